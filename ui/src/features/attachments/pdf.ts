// pdf.js, loaded only when a PDF is shown. Its worker is a file of the app's own bundle (Vite
// emits it under assets/ and gives its URL), so PDFs open offline and under the strict CSP:
// nothing is fetched from elsewhere and nothing is evaluated from strings.
import { GlobalWorkerOptions, getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import workerUrl from "pdfjs-dist/legacy/build/pdf.worker.min.mjs?url";

GlobalWorkerOptions.workerSrc = workerUrl;

/** More pages than this are not drawn; the owner opens the file in another app instead. */
export const MAX_PAGES = 50;

/** What drawing a PDF did. */
export interface Drawn {
  pages: number;
  drawn: number;
}

/**
 * Draws each page of the PDF `data` as a canvas in `into` (at most {@link MAX_PAGES}), as wide as
 * `width` CSS pixels; stops when `stopped()` says so.
 */
export async function drawPdf(data: Uint8Array, into: HTMLElement, width: number, stopped: () => boolean): Promise<Drawn> {
  // pdf.js 6 evaluates no code from strings, so the CSP's script-src 'self' holds.
  const task = getDocument({ data });
  const doc = await task.promise;
  try {
    const pages = doc.numPages;
    const count = Math.min(pages, MAX_PAGES);
    let drawn = 0;
    for (let n = 1; n <= count; n++) {
      if (stopped()) break;
      const page = await doc.getPage(n);
      const base = page.getViewport({ scale: 1 });
      const ratio = window.devicePixelRatio || 1;
      const viewport = page.getViewport({ scale: (width / base.width) * ratio });
      const canvas = document.createElement("canvas");
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", `Page ${n} of ${pages}`);
      canvas.className = "pdf-page";
      await page.render({ canvas, viewport }).promise;
      if (stopped()) break;
      into.append(canvas);
      drawn += 1;
    }
    return { pages, drawn };
  } finally {
    void task.destroy();
  }
}
