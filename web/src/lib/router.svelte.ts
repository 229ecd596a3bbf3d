// Pages by path, in the browser's history: links are followed without reloading the app.
export const route = $state<{ path: string; search: string }>({
  path: location.pathname,
  search: location.search,
});

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  const url = new URL(to, location.origin);
  route.path = url.pathname;
  route.search = url.search;
  window.scrollTo(0, 0);
}

addEventListener('popstate', () => {
  route.path = location.pathname;
  route.search = location.search;
});

// For a link's onclick: a plain left click stays in the app; others (new tab...) go to the browser.
export function follow(event: MouseEvent): void {
  const anchor = event.currentTarget as HTMLAnchorElement;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return;
  }
  if (anchor.origin !== location.origin) return;
  event.preventDefault();
  navigate(anchor.pathname + anchor.search);
}
