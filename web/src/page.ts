// What the shell (main.ts) hands each page. Pages import this module, never
// main.ts, which imports them.

export interface PageContext {
  main: HTMLElement;
  params: Record<string, string>;
  query: URLSearchParams;
  navigate: (path: string) => void;
  /** setTitle names the page in the tab and the heading screen readers land on. */
  setTitle: (title: string) => void;
}

/** A page renders into ctx.main and may return a cleanup function (to stop a live stream). */
export type Page = (ctx: PageContext) => void | (() => void);
