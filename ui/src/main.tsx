import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import { createAppRouter } from "./app/router";
import { applyTheme, loadTheme } from "./app/theme";
import { commands } from "./bindings";
import { setAppNow } from "./lib/clock";
import "./styles.css";

applyTheme(loadTheme());

// The app's clock first (a day given at start moves the window's "today" too); the window opens
// on this computer's clock if Rust does not answer.
const asked = Date.now();
const info = await commands.appInfo().catch(() => null);
if (info?.status === "ok") setAppNow(info.data.nowUtc, asked);

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App router={createAppRouter()} />
    </StrictMode>,
  );
}
