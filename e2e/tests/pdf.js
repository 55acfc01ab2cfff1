// Reading the PDFs Sensate hands out, as a person's PDF reader would:
// pdf.js extracts the text through each font's Unicode map, so a file whose
// text cannot be read, searched or read aloud fails here.

import { readFile } from 'node:fs/promises';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** Downloads what clicking `link` saves; returns its file name, text and title. */
export async function downloadPdf(page, link) {
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const data = new Uint8Array(await readFile(await download.path()));
  const pdf = await getDocument({ data, isEvalSupported: false }).promise;
  const pages = [];
  for (let n = 1; n <= pdf.numPages; n += 1) {
    const content = await (await pdf.getPage(n)).getTextContent();
    pages.push(content.items.map((item) => item.str).join(' '));
  }
  const { info } = await pdf.getMetadata();
  const outline = (await pdf.getOutline()) ?? [];
  await pdf.destroy();
  return {
    fileName: download.suggestedFilename(),
    text: pages.join('\n').replace(/\s+/g, ' '),
    title: info.Title,
    bookmarks: outline.map((item) => item.title),
  };
}
