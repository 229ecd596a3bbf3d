// The Mercator projection as d3-geo's geoMercator() draws it, for the map of Mali: the outline
// is projected at build time (build/mali-outline.ts), the districts here with the same scale and
// translation.
export interface Mercator {
  scale: number;
  translate: [number, number];
}

// Where a point (degrees) falls in the drawing, in its pixels.
export function project(latitude: number, longitude: number, m: Mercator): [number, number] {
  const lambda = (longitude * Math.PI) / 180;
  const phi = (latitude * Math.PI) / 180;
  return [
    m.translate[0] + m.scale * lambda,
    m.translate[1] - m.scale * Math.log(Math.tan(Math.PI / 4 + phi / 2)),
  ];
}
