/** Offers text (or a file the page still holds) as a download; the object URL is made on demand: copying 150 MB on every render would stall the page. */
export function saveFile(data: string | Blob, name: string, type = 'text/plain'): void {
  const url = URL.createObjectURL(typeof data === 'string' ? new Blob([data], { type }) : data);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
