/**
 * A small, strict XML well-formedness checker for the viz specs (not a spec itself).
 *
 * It parses the subset of XML our SVG writers emit and throws on anything malformed: unbalanced or
 * crossed tags, unquoted or repeated attributes, a raw '<' in text or attribute values, an '&' that
 * does not start a known entity or a character reference, more than one root element, text outside
 * the root. In HTML mode it also accepts <!DOCTYPE>, void elements written without '/>' (meta, img,
 * br, …) and raw text inside <style>, so the report can be checked the same way.
 *
 * The result is a tree, so specs can look up elements and attributes instead of matching strings.
 */

export interface XmlElement {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: (XmlElement | string)[];
}

const VOID_ELEMENTS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const NAME = /^[A-Za-z_][A-Za-z0-9_:.-]*/;

/** Replaces entities and character references by their characters; throws on an unknown or bare '&'. */
export function decodeEntities(text: string, where: string): string {
  return text.replace(/&([^;&\s<]*);?/g, (match, body: string) => {
    if (!match.endsWith(';')) throw new Error(`${where}: bare '&' in ${JSON.stringify(text.slice(0, 60))}`);
    if (body in NAMED_ENTITIES) return NAMED_ENTITIES[body]!;
    const hex = /^#x([0-9a-fA-F]+)$/.exec(body);
    if (hex) return String.fromCodePoint(parseInt(hex[1]!, 16));
    const decimal = /^#([0-9]+)$/.exec(body);
    if (decimal) return String.fromCodePoint(parseInt(decimal[1]!, 10));
    throw new Error(`${where}: unknown entity ${match}`);
  });
}

/** Parses `text`; throws an Error naming the offset of the first problem. */
export function parseXml(text: string, options: { html?: boolean } = {}): XmlElement {
  const html = options.html ?? false;
  const document: XmlElement = { name: '#document', attributes: new Map(), children: [] };
  const stack: XmlElement[] = [document];
  let index = 0;
  const fail = (message: string): never => {
    throw new Error(`XML at offset ${index}: ${message} near ${JSON.stringify(text.slice(index, index + 50))}`);
  };
  const addText = (raw: string) => {
    if (raw.length === 0) return;
    const decoded = decodeEntities(raw, `text at offset ${index}`);
    if (stack.length === 1 && decoded.trim() !== '') fail('text outside the root element');
    stack[stack.length - 1]!.children.push(decoded);
  };

  while (index < text.length) {
    const next = text.indexOf('<', index);
    if (next === -1) {
      addText(text.slice(index));
      break;
    }
    addText(text.slice(index, next));
    index = next;
    if (text.startsWith('<!--', index)) {
      const end = text.indexOf('-->', index + 4);
      if (end === -1) fail('unterminated comment');
      index = end + 3;
    } else if (text.startsWith('<?', index)) {
      if (stack.length > 1 || document.children.some((child) => typeof child !== 'string')) fail('processing instruction after the root started');
      const end = text.indexOf('?>', index);
      if (end === -1) fail('unterminated processing instruction');
      index = end + 2;
    } else if (text.startsWith('<!', index)) {
      if (!html || !/^<!DOCTYPE html>/i.test(text.slice(index))) fail('unexpected <! declaration');
      index = text.indexOf('>', index) + 1;
    } else if (text.startsWith('</', index)) {
      const match = NAME.exec(text.slice(index + 2));
      if (!match) fail('closing tag without a name');
      const name = match![0];
      const open = stack[stack.length - 1]!;
      if (stack.length === 1 || open.name !== name) fail(`closing </${name}> but the open element is <${open.name}>`);
      index += 2 + name.length;
      while (/\s/.test(text[index] ?? '')) index++;
      if (text[index] !== '>') fail(`expected '>' to end </${name}>`);
      index++;
      stack.pop();
    } else {
      index++;
      const match = NAME.exec(text.slice(index));
      if (!match) fail("'<' that starts no tag (escape it as &lt;)");
      const name = match![0];
      index += name.length;
      const attributes = new Map<string, string>();
      let selfClosing = false;
      for (;;) {
        const hadSpace = /\s/.test(text[index] ?? '');
        while (/\s/.test(text[index] ?? '')) index++;
        if (text.startsWith('/>', index)) {
          selfClosing = true;
          index += 2;
          break;
        }
        if (text[index] === '>') {
          index++;
          break;
        }
        if (index >= text.length) fail(`unterminated tag <${name}`);
        if (!hadSpace) fail(`attributes of <${name}> must be separated by white space`);
        const attribute = NAME.exec(text.slice(index));
        if (!attribute) fail(`bad attribute name in <${name}>`);
        const attributeName = attribute![0];
        index += attributeName.length;
        while (/\s/.test(text[index] ?? '')) index++;
        if (text[index] !== '=') fail(`attribute ${attributeName} of <${name}> has no value`);
        index++;
        while (/\s/.test(text[index] ?? '')) index++;
        const quote = text[index];
        if (quote !== '"' && quote !== "'") fail(`attribute ${attributeName} of <${name}> is not quoted`);
        const end = text.indexOf(quote!, index + 1);
        if (end === -1) fail(`unterminated value of attribute ${attributeName}`);
        const raw = text.slice(index + 1, end);
        if (raw.includes('<')) fail(`raw '<' in attribute ${attributeName} of <${name}>`);
        if (attributes.has(attributeName)) fail(`attribute ${attributeName} repeated in <${name}>`);
        attributes.set(attributeName, decodeEntities(raw, `attribute ${attributeName} of <${name}>`));
        index = end + 1;
      }
      const element: XmlElement = { name, attributes, children: [] };
      const parent = stack[stack.length - 1]!;
      if (!html && stack.length === 1 && document.children.some((child) => typeof child !== 'string')) {
        fail('a second root element');
      }
      parent.children.push(element);
      if (selfClosing || (html && VOID_ELEMENTS.has(name.toLowerCase()))) continue;
      if (html && (name === 'style' || name === 'script')) {
        const end = text.indexOf(`</${name}>`, index);
        if (end === -1) fail(`unterminated <${name}>`);
        element.children.push(text.slice(index, end));
        index = end + name.length + 3;
        continue;
      }
      stack.push(element);
    }
  }
  if (stack.length > 1) throw new Error(`XML: <${stack[stack.length - 1]!.name}> is never closed`);
  const roots = document.children.filter((child): child is XmlElement => typeof child !== 'string');
  if (roots.length === 0) throw new Error('XML: no root element');
  return html ? document : roots[0]!;
}

/** Every element named `name` under `root` (root included), in document order. */
export function findElements(root: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  const visit = (element: XmlElement) => {
    if (element.name === name) found.push(element);
    for (const child of element.children) if (typeof child !== 'string') visit(child);
  };
  visit(root);
  return found;
}

/** The concatenated text inside `element`, entities decoded. */
export function textContent(element: XmlElement): string {
  return element.children.map((child) => (typeof child === 'string' ? child : textContent(child))).join('');
}

/** The attribute's value; throws when it is missing, so specs fail with a clear message. */
export function attribute(element: XmlElement, name: string): string {
  const value = element.attributes.get(name);
  if (value === undefined) throw new Error(`<${element.name}> has no attribute ${name}`);
  return value;
}
