/** What PdfRenderer and its child process (pdf-page.child.ts) say to each other. */
export interface PdfPageRequest {
  pdf: Uint8Array;
  /** The side of the square the page is rendered inside. */
  edge: number;
}

export type PdfPageReply =
  | { ok: true; width: number; height: number; pixels: Uint8Array }
  | { ok: false; reason: 'unsupported' | 'corrupt'; message: string };
