import { Cell } from "./cell";

/** Light or dark: the visitor's choice (localStorage: not a secret), else the system's preference. */
type Theme = "light" | "dark";
const KEY = "spindle.theme";
const system = (): Theme => (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");

export const theme = new Cell<Theme>((localStorage.getItem(KEY) as Theme | null) ?? system());

export function applyTheme(): void {
  document.documentElement.dataset.theme = theme.get();
}

export function toggleTheme(): void {
  theme.set(theme.get() === "dark" ? "light" : "dark");
  localStorage.setItem(KEY, theme.get());
  applyTheme();
}
