import { defaultTheme, type RaThemeOptions } from 'react-admin';

/** react-admin's theme with ClearGate's colours, checked for contrast (WCAG AA) by the end-to-end accessibility run. */
export const theme: RaThemeOptions = {
  ...defaultTheme,
  palette: {
    ...defaultTheme.palette,
    primary: { main: '#1a4f8b' },
    secondary: { main: '#15406e' },
    success: { main: '#1b6e2f' },
    error: { main: '#b3261e' },
    warning: { main: '#8a5300' },
  },
  components: {
    ...defaultTheme.components,
    // A spinner is a progressbar to assistive technology, which needs a name (react-admin's loading indicator has none).
    MuiCircularProgress: { defaultProps: { 'aria-label': 'Loading' } },
    // MUI's tooltips are slightly transparent: over a light page their text falls below 4.5:1.
    MuiTooltip: { styleOverrides: { tooltip: { backgroundColor: '#212121', color: '#fff' } } },
    // A table wider than the window (a narrow one, or beside the menu) scrolls inside its card, not the whole page.
    RaDataTable: { styleOverrides: { root: { '& .RaDataTable-tableWrapper': { overflowX: 'auto' } } } },
    RaList: { styleOverrides: { root: { '& .RaList-main': { minWidth: 0 } } } },
  },
};
