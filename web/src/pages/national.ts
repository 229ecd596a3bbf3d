// The national unit's and the administrators' pages, in a chunk of their own (App.svelte imports
// it when one of them is opened): the district's first load stays lean.
export { default as Journal } from './Journal.svelte';
export { default as Program } from './Program.svelte';
export { default as PaymentOrder } from './PaymentOrder.svelte';
export { default as Run } from './Run.svelte';
export { default as Runs } from './Runs.svelte';
export { default as User } from './User.svelte';
export { default as Users } from './Users.svelte';
