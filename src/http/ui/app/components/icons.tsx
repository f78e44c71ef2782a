/** Stroke icons on a 24-unit grid, drawn here. Decorative: every use sits next to a text label. */
const PATHS: Record<string, string> = {
  overview: "M4 13h6V4H4zM14 20h6v-9h-6zM14 4v3h6V4zM4 20h6v-3H4z",
  jobs: "M8 6h12M8 12h12M8 18h12M4 6h.01M4 12h.01M4 18h.01",
  dlq: "M4 7h16l-1.5 12.5a1 1 0 0 1-1 .5h-11a1 1 0 0 1-1-.5zM9 7V4h6v3M10 11l4 4m0-4-4 4",
  queues: "M4 6h16v4H4zM4 14h16v4H4zM7 8h.01M7 16h.01",
  workers: "M5 5h14v10H5zM9 19h6M12 15v4M8.5 10l1.5 1.5L14.5 8",
  schedules: "M12 7v5l3 2M21 12a9 9 0 1 1-18 0 9 9 0 0 1 18 0",
  workflows: "M5 5h4v4H5zM15 15h4v4h-4zM15 5h4v4h-4zM9 7h6M7 9v6a2 2 0 0 0 2 2h6",
  webhooks: "M10 14a4 4 0 0 1 0-5.6l2.8-2.8a4 4 0 0 1 5.6 5.6L17 12.6M14 10a4 4 0 0 1 0 5.6l-2.8 2.8a4 4 0 0 1-5.6-5.6L7 11.4",
  sun: "M12 4V2M12 22v-2M4 12H2M22 12h-2M6.3 6.3 4.9 4.9M19.1 19.1l-1.4-1.4M6.3 17.7l-1.4 1.4M19.1 4.9l-1.4 1.4M16 12a4 4 0 1 1-8 0 4 4 0 0 1 8 0",
  moon: "M20 14.5A8 8 0 0 1 9.5 4 8 8 0 1 0 20 14.5",
  logout: "M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10",
  refresh: "M20 11a8 8 0 0 0-14.6-4.5L4 8M4 4v4h4M4 13a8 8 0 0 0 14.6 4.5L20 16M20 20v-4h-4",
  back: "M15 6l-6 6 6 6",
  key: "M15 9a3 3 0 1 1-6 0 3 3 0 0 1 6 0M12 12v9M12 16h3M12 19h2",
  // statuses
  pending: "M12 7v5l3 2M21 12a9 9 0 1 1-18 0 9 9 0 0 1 18 0",
  scheduled: "M4 6h16v14H4zM4 10h16M8 3v4M16 3v4M9 15h.01M13 15h.01",
  processing: "M12 3a9 9 0 1 1-9 9M12 8v4l2.5 1.5",
  completed: "M5 12.5l4.5 4.5L19 7.5",
  failed: "M6 6l12 12M18 6 6 18",
  deadletter: "M12 3 2 20h20zM12 10v4M12 17h.01",
  cancelled: "M21 12a9 9 0 1 1-18 0 9 9 0 0 1 18 0M5.6 5.6l12.8 12.8",
  paused: "M9 5v14M15 5v14",
  active: "M7 5l12 7-12 7z",
  offline: "M3 3l18 18M8.5 8.5A5 5 0 0 0 7 12M5 5a10 10 0 0 0-2 7M16 16a5 5 0 0 0 1-4M19 19a10 10 0 0 0 2-7",
  open: "M12 3 2 20h20zM12 10v4M12 17h.01",
  half: "M21 12a9 9 0 1 1-18 0 9 9 0 0 1 18 0M12 3v18",
};

export function Icon({ name, size = 16, class: cls }: { name: string; size?: number; class?: string }) {
  const d = PATHS[name] ?? PATHS.pending!;
  return (
    <svg class={`icon ${cls ?? ""}`} width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
      <path d={d} />
    </svg>
  );
}
