/**
 * Small inline SVG icons for the step controls (no icon font: the glyphs
 * ⏮ ⏭ ⏯ are missing from many Linux fonts).
 */
const common = { width: 14, height: 14, viewBox: '0 0 16 16', fill: 'currentColor', 'aria-hidden': true } as const;

export const IconFirst = () => (
  <svg {...common}>
    <rect x="2" y="3" width="2" height="10" />
    <path d="M14 3v10L5 8z" />
  </svg>
);
export const IconBack = () => (
  <svg {...common}>
    <path d="M12 3v10L3 8z" />
  </svg>
);
export const IconForward = () => (
  <svg {...common}>
    <path d="M4 3v10l9-5z" />
  </svg>
);
export const IconLast = () => (
  <svg {...common}>
    <path d="M2 3v10l9-5z" />
    <rect x="12" y="3" width="2" height="10" />
  </svg>
);
export const IconPlay = () => (
  <svg {...common}>
    <path d="M4 2.5v11l9.5-5.5z" />
  </svg>
);
export const IconPause = () => (
  <svg {...common}>
    <rect x="3" y="3" width="3.5" height="10" />
    <rect x="9.5" y="3" width="3.5" height="10" />
  </svg>
);
export const IconExpand = () => (
  <svg {...common} fill="none" stroke="currentColor" strokeWidth="1.8">
    <path d="M2 6V2h4M10 2h4v4M14 10v4h-4M6 14H2v-4" />
  </svg>
);
export const IconCollapse = () => (
  <svg {...common} fill="none" stroke="currentColor" strokeWidth="1.8">
    <path d="M6 2v4H2M14 6h-4V2M10 14v-4h4M2 10h4v4" />
  </svg>
);
