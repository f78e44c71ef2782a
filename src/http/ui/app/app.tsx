import { useEffect } from "preact/hooks";
import { useCell } from "./lib/cell";
import { credential, logOut } from "./lib/session";
import { liveState, startLive } from "./lib/live";
import { useRoute, href } from "./lib/router";
import { theme, toggleTheme } from "./lib/theme";
import { Icon } from "./components/icons";
import { Toasts } from "./components/toast";
import { Login } from "./pages/login";
import { Overview } from "./pages/overview";
import { Jobs } from "./pages/jobs";
import { JobPage } from "./pages/job";
import { DeadLetters } from "./pages/dlq";
import { Queues } from "./pages/queues";
import { Workers } from "./pages/workers";
import { Schedules } from "./pages/schedules";
import { Workflows, WorkflowPage } from "./pages/workflows";
import { Webhooks } from "./pages/webhooks";

const NAV = [
  { id: "", label: "Overview", icon: "overview" },
  { id: "jobs", label: "Jobs", icon: "jobs" },
  { id: "dlq", label: "Dead letters", icon: "dlq" },
  { id: "queues", label: "Queues", icon: "queues" },
  { id: "workers", label: "Workers", icon: "workers" },
  { id: "schedules", label: "Schedules", icon: "schedules" },
  { id: "workflows", label: "Workflows", icon: "workflows" },
  { id: "webhooks", label: "Webhooks", icon: "webhooks" },
];

export function App() {
  const key = useCell(credential);
  return (
    <>
      {key ? <Shell /> : <Login />}
      <Toasts />
    </>
  );
}

function Shell() {
  const route = useRoute();
  const live = useCell(liveState);
  const mode = useCell(theme);
  useEffect(() => startLive(), []);
  const [section = "", id] = route.parts;

  return (
    <div class="shell">
      <aside class="sidebar">
        <a class="brand" href="#/">
          <img class="brand-mark" src="/ui/assets/icon.svg" alt="" />
          Spindle
        </a>
        <nav aria-label="Sections">
          {NAV.map((n) => (
            <a key={n.id} href={href(...(n.id ? [n.id] : []))} class={section === n.id ? "active" : ""} aria-current={section === n.id ? "page" : undefined}>
              <Icon name={n.icon} size={17} />
              <span>{n.label}</span>
            </a>
          ))}
        </nav>
        <div class="sidebar-foot">
          <span class={`live live-${live}`} data-testid="live-state" title="Updates arrive over the server's event stream">
            <span class="live-dot" aria-hidden="true" />
            {live === "live" ? "Live" : live === "connecting" ? "Connecting…" : "Reconnecting…"}
          </span>
          <button class="icon-btn" onClick={toggleTheme} title={mode === "dark" ? "Light theme" : "Dark theme"} aria-label="Switch theme">
            <Icon name={mode === "dark" ? "sun" : "moon"} size={17} />
          </button>
          <button class="icon-btn" onClick={logOut} title="Log out (forget the key in this tab)" aria-label="Log out">
            <Icon name="logout" size={17} />
          </button>
        </div>
      </aside>
      <main class="content">{page(section, id)}</main>
    </div>
  );
}

function page(section: string, id: string | undefined) {
  switch (section) {
    case "":
      return <Overview />;
    case "jobs":
      return id ? <JobPage key={id} id={id} /> : <Jobs />;
    case "dlq":
      return <DeadLetters />;
    case "queues":
      return <Queues />;
    case "workers":
      return <Workers />;
    case "schedules":
      return <Schedules />;
    case "workflows":
      return id ? <WorkflowPage key={id} id={id} /> : <Workflows />;
    case "webhooks":
      return <Webhooks />;
    default:
      return <p class="muted">No such page. <a href="#/">Back to the overview</a></p>;
  }
}
