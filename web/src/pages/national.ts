// The national unit's pages, in a chunk of their own (App.svelte imports it when one is opened).
export { default as PaymentOrder } from './PaymentOrder.svelte';
export { default as Run } from './Run.svelte';
export { default as Runs } from './Runs.svelte';
