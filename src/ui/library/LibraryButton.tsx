/**
 * The header's Library button, and the browser it opens (loaded on first use,
 * rendered over the whole page).
 */
import { Suspense, lazy } from 'react';
import { createPortal } from 'react-dom';
import DialogLoading from '../panels/DialogLoading.tsx';
import { useLesson } from '../lesson/lessonStore.ts';

const LibraryBrowser = lazy(() => import('./LibraryBrowser.tsx'));

export default function LibraryButton() {
  const open = useLesson((s) => s.libraryOpen);
  const setOpen = useLesson((s) => s.setLibraryOpen);
  return (
    <>
      <button type="button" className="library-btn" onClick={() => setOpen(true)} aria-haspopup="dialog" aria-expanded={open} data-testid="library-btn" title="Lessons and reference scenarios (l)">
        Library
      </button>
      {/* A dialog over the whole page, outside the header's styles. */}
      {open &&
        createPortal(
          <Suspense fallback={<DialogLoading what="the library" />}>
            <LibraryBrowser />
          </Suspense>,
          document.body,
        )}
    </>
  );
}
