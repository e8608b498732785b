/**
 * src/viz: the pictures people look at instead of numbers — image grids, classifier templates, conv
 * filters, activation maps, training curves, confusion matrices, example predictions and the
 * self-contained HTML report. Everything exported here is portable (no node:*): functions return
 * pixel buffers, SVG strings and HTML strings, and take the PNG encoder as a parameter. Writing files
 * is in ./write-images.ts (Node only), which is deliberately not re-exported here.
 */
export * from './image-grid.ts';
export * from './data-uri.ts';
export * from './svg.ts';
export * from './grid-figure.ts';
export * from './templates.ts';
export * from './filters.ts';
export * from './activations.ts';
export * from './metrics.ts';
export * from './line-chart.ts';
export * from './training-curves.ts';
export * from './confusion.ts';
export * from './predictions.ts';
export * from './report.ts';
export * from './heat-map.ts';
export * from './image-map.ts';
export * from './explain-sections.ts';
