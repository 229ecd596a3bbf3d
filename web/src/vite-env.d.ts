/// <reference types="svelte" />
/// <reference types="vite/client" />

// Mali's outline, projected at build time (build/mali-outline.ts).
declare module 'virtual:mali-outline' {
  const map: {
    width: number;
    height: number;
    outline: string; // an SVG path
    scale: number;
    translate: [number, number];
  };
  export default map;
}
