import { render } from "preact";
import "./styles.css";
import { applyTheme } from "./lib/theme";
import { App } from "./app";

applyTheme();
render(<App />, document.getElementById("app")!);
