import { Badge, createTheme, type CSSVariablesResolver, darken, DEFAULT_THEME, defaultVariantColorsResolver, parseThemeColor, type VariantColorsResolver } from '@mantine/core';


const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const luminance = (c: number[]) => {
  const [r, g, b] = c.map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
};
const contrast = (a: number[], b: number[]) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
};
const toHex = (css: string) => {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(css);
  return m ? `#${m.slice(1, 4).map((v) => Number(v).toString(16).padStart(2, '0')).join('')}` : css;
};

/**
 * The text colour of "light" badges, alerts and buttons on their 10% tint: Mantine's shade 6
 * reads at 1.8–3.3:1 for green, yellow, orange, teal… — below WCAG AA. Each palette's shade 9,
 * darkened just enough to reach 4.6:1 on its own tint.
 */
function readableLightColor(shades: readonly string[]): string {
  // The light variant's background, and shade 1, the darkest tint light components sit on.
  const backgrounds = [rgb(shades[6]!).map((v) => Math.round(v * 0.1 + 255 * 0.9)), rgb(shades[1]!)];
  for (let amount = 0; amount <= 0.8; amount += 0.05) {
    const color = toHex(darken(shades[9]!, amount));
    if (backgrounds.every((bg) => contrast(rgb(color), bg) >= 4.6)) return color;
  }
  return '#000000';
}

/**
 * Subtle and outline buttons and badges draw coloured text on the page's background: they
 * take the readable "light" text colour instead of the filled shade (red.6 on white: 3.3:1).
 */
const variantColorResolver: VariantColorsResolver = (input) => {
  const colors = defaultVariantColorsResolver(input);
  const parsed = parseThemeColor({ color: input.color ?? input.theme.primaryColor, theme: input.theme });
  if ((input.variant === 'subtle' || input.variant === 'outline') && parsed.isThemeColor && parsed.shade === undefined) {
    return { ...colors, color: `var(--mantine-color-${parsed.color}-light-color)` };
  }
  return colors;
};

const palettes = Object.entries(DEFAULT_THEME.colors).filter(([name]) => name !== 'dark');
const lightColors = Object.fromEntries(palettes.map(([name, shades]) => [`--mantine-color-${name}-light-color`, readableLightColor(shades)]));
const darkColors = Object.fromEntries(palettes.map(([name, shades]) => [`--mantine-color-${name}-light-color`, shades[3]!]));

/**
 * Mantine's "dimmed" text (gray.6 on white, 3.3:1) fails WCAG AA contrast: one shade darker in
 * light mode (gray.7, 7:1), one lighter in dark mode. "Light" variants get readable text too.
 */
export const cssVariablesResolver: CSSVariablesResolver = (t) => ({
  variables: {},
  // Field errors: red.6 on white is 3.5:1; red.9 is 5.4:1 (and red.4 on dark 6:1).
  light: { '--mantine-color-dimmed': t.colors.gray[7], '--mantine-color-error': t.colors.red[9], ...lightColors },
  dark: { '--mantine-color-dimmed': t.colors.dark[1], '--mantine-color-error': t.colors.red[4], ...darkColors },
});

export const theme = createTheme({
  primaryColor: 'blue',
  // Filled buttons with white text: shade 6 reads at 3.6:1 (blue), shade 8 at 4.9:1 (WCAG AA).
  primaryShade: { light: 8, dark: 8 },
  // Filled badges are small bold text on saturated colour (green: 2.4:1): badges are light.
  components: { Badge: Badge.extend({ defaultProps: { variant: 'light' } }) },
  defaultRadius: 'md',
  variantColorResolver,
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans Hebrew", sans-serif',
});
