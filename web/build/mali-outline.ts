// Mali's outline for the home page's map, extracted at build time so that the page ships Mali
// alone (a few kilobytes of SVG path) rather than the world: Natural Earth's 1:50m countries as
// world-atlas packs them (TopoJSON), Mali's feature (ISO 3166 numeric 466) projected with
// d3-geo's Mercator fitted to the drawing. The app projects the districts' coordinates at run
// time with the same Mercator (src/lib/mercator.ts), checked here against d3-geo's.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { geoMercator, geoPath } from 'd3-geo';
import { feature } from 'topojson-client';
import type { Topology, GeometryCollection } from 'topojson-specification';
import type { Plugin } from 'vite';
import { project } from '../src/lib/mercator.ts';

const WIDTH = 600;
const HEIGHT = 520;
const MARGIN = 12;

export function maliOutline(): Plugin {
  const id = 'virtual:mali-outline';
  return {
    name: 'keneya-mali-outline',
    resolveId(source) {
      return source === id ? '\0' + id : null;
    },
    load(resolved) {
      if (resolved !== '\0' + id) return null;
      const require = createRequire(import.meta.url);
      const file = require.resolve('world-atlas/countries-50m.json');
      const world = JSON.parse(readFileSync(file, 'utf8')) as Topology<{
        countries: GeometryCollection<{ name: string }>;
      }>;
      const geometry = world.objects.countries.geometries.find((g) => g.id === '466');
      if (!geometry) throw new Error(`${file}: no country with id 466 (Mali)`);
      const mali = feature(world, geometry);
      const projection = geoMercator().fitExtent(
        [
          [MARGIN, MARGIN],
          [WIDTH - MARGIN, HEIGHT - MARGIN],
        ],
        mali,
      );
      const outline = geoPath(projection).digits(1)(mali);
      if (!outline) throw new Error('Mali: an empty outline');
      const scale = projection.scale();
      const [tx, ty] = projection.translate();
      // The run-time projection must draw where d3-geo does (Bamako, Kidal, Kayes, Gao).
      for (const point of [
        [-8.0, 12.65],
        [1.41, 18.44],
        [-11.44, 14.45],
        [0.04, 16.27],
      ] as [number, number][]) {
        const want = projection(point);
        const got = project(point[1], point[0], { scale, translate: [tx, ty] });
        if (!want || Math.hypot(want[0] - got[0], want[1] - got[1]) > 0.01) {
          throw new Error(`mercator.ts and d3-geo disagree at ${point}: ${got} / ${want}`);
        }
      }
      const map = { width: WIDTH, height: HEIGHT, outline, scale, translate: [tx, ty] };
      return `export default ${JSON.stringify(map)};`;
    },
  };
}
