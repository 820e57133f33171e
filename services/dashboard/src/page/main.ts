// The dashboard page: one EventSource for every view, each redrawn when its topic changes.
import { AXIS, draw } from "./charts.js";
import { chainsOf, compact, correlationMatrix, exposureMatrix, type Matrix } from "./shapes.js";
import { TOPICS, type Topic, type TopicData } from "./topics.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
};
const state: Partial<TopicData> = {};

function cell(text: string | number, cls = ""): HTMLTableCellElement {
  const td = document.createElement("td");
  td.textContent = String(text);
  if (cls) td.className = cls;
  return td;
}
function row(cells: HTMLTableCellElement[]): HTMLTableRowElement {
  const tr = document.createElement("tr");
  tr.append(...cells);
  return tr;
}
function setOptions(select: HTMLSelectElement, values: readonly string[], keep: string[] = []): void {
  const current = select.value;
  const wanted = [...keep, ...values];
  const have = [...select.options].map((o) => o.value);
  if (have.join("\n") === wanted.join("\n")) return;
  select.replaceChildren(
    ...wanted.map((v) => {
      const o = document.createElement("option");
      o.value = v;
      o.textContent = v === "" ? "all chains" : v;
      return o;
    }),
  );
  if (wanted.includes(current)) select.value = current;
}
const age = (ms: number) =>
  ms < 1_000 ? `${ms} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;
const time = (ms: number) => new Date(ms).toISOString().slice(11, 23);

function heatmap(
  el: HTMLElement,
  m: Matrix,
  min: number,
  max: number,
  colors: string[],
  label: (v: number) => string,
): void {
  draw(el, {
    tooltip: { position: "top" },
    grid: { left: 70, right: 20, top: 10, bottom: 60 },
    xAxis: { type: "category", data: m.x, ...AXIS, splitArea: { show: false } },
    yAxis: { type: "category", data: m.y, ...AXIS },
    visualMap: {
      min,
      max,
      calculable: false,
      orient: "horizontal",
      left: "center",
      bottom: 0,
      itemHeight: 120,
      inRange: { color: colors },
      textStyle: { color: "#aab4be" },
    },
    series: [
      {
        type: "heatmap",
        data: m.cells,
        label: { show: true, formatter: (p: { value: number[] }) => label(p.value[2]!) },
        emphasis: { itemStyle: { borderColor: "#fff", borderWidth: 1 } },
      },
    ],
  });
}

const render: Record<Topic, () => void> = {
  exposure() {
    const rows = state.exposure?.rows ?? [];
    const select = $<HTMLSelectElement>("exposure-chain");
    setOptions(select, chainsOf(rows), [""]);
    const m = exposureMatrix(rows, select.value);
    heatmap(
      $("chart-exposure"),
      m,
      0,
      Math.max(1, ...m.cells.map((c) => c[2])),
      ["#1b2a38", "#2f6fb0", "#f0b429", "#f85149"],
      compact,
    );
    const assets = [...new Set(rows.map((r) => r.asset))].sort();
    setOptions($<HTMLSelectElement>("whatif-asset"), assets);
  },
  ladder() {
    const ladders = state.ladder?.ladders ?? [];
    const select = $<HTMLSelectElement>("ladder-asset");
    setOptions(
      select,
      ladders.map((l) => l.asset),
    );
    const l = ladders.find((x) => x.asset === select.value) ?? ladders[0];
    const rungs = (l?.rungs ?? []).filter((r) => r.notional > 0 || r.cumulativeNotional > 0);
    draw($("chart-ladder"), {
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: ["liquidated at this rung", "cumulative"], textStyle: { color: "#aab4be" } },
      grid: { left: 60, right: 60, top: 30, bottom: 40 },
      xAxis: {
        type: "category",
        data: rungs.map((r) => `${(r.moveBps / 100).toFixed(0)}% ${compact(r.price)}`),
        ...AXIS,
      },
      yAxis: [
        { type: "value", ...AXIS, axisLabel: { color: "#aab4be", formatter: compact } },
        { type: "value", ...AXIS, axisLabel: { color: "#aab4be", formatter: compact } },
      ],
      series: [
        {
          name: "liquidated at this rung",
          type: "bar",
          data: rungs.map((r) => r.notional),
          itemStyle: { color: "#f0b429" },
        },
        {
          name: "cumulative",
          type: "line",
          yAxisIndex: 1,
          data: rungs.map((r) => r.cumulativeNotional),
          itemStyle: { color: "#f85149" },
          showSymbol: false,
        },
      ],
    });
    $("ladder-note").textContent = l
      ? `${l.asset} at ${compact(l.price)}; ${l.withoutLiquidationPrice} positions without a liquidation price`
      : "no priced asset yet";
  },
  prices() {
    const prices = state.prices?.prices ?? [];
    const body = $("prices-table").querySelector("tbody")!;
    body.replaceChildren(
      ...prices.flatMap((p) => [
        row([
          cell(p.asset),
          cell("reference"),
          cell(`${p.agreeingSources} agree`),
          cell(p.unpriceable ? "unpriceable" : p.price, `num ${p.unpriceable ? "bad" : ""}`),
          cell(`div ${(p.divergence * 1e4).toFixed(1)} bps`, `num ${p.divergence > 0.01 ? "warn" : ""}`),
          cell(""),
          cell(p.unpriceable ? "split" : "agreed", p.unpriceable ? "bad" : "ok"),
        ]),
        ...p.sources.map((s) =>
          row([
            cell(""),
            cell(s.chainId),
            cell(s.source),
            cell(s.price, "num"),
            cell(`${(s.deviation * 1e4).toFixed(1)} bps`, "num"),
            cell(age(s.ageMs), "num"),
            cell(
              s.excluded || (s.chainStale ? "chain stale" : "in"),
              s.excluded || s.chainStale ? "warn" : "ok",
            ),
          ]),
        ),
      ]),
    );
    $("view-prices").dataset["rows"] = String(prices.length);
  },
  correlations() {
    const c = state.correlations ?? { assets: [], correlations: [] };
    const m = correlationMatrix(
      c.assets.map((a) => a.asset),
      c.correlations,
    );
    heatmap($("chart-correlations"), m, -1, 1, ["#2f6fb0", "#1b2a38", "#f85149"], (v) => v.toFixed(2));
    const vols = c.assets.map(
      (a) => `${a.asset} σ ${(a.volatility * 100).toFixed(1)}% (${a.samples} samples)`,
    );
    $("correlations-note").textContent = `${c.correlations.length} pairs; ${vols.join(", ")}`;
  },
  chains() {
    const chains = state.chains?.chains ?? [];
    $("chains-table")
      .querySelector("tbody")!
      .replaceChildren(
        ...chains.map((c) =>
          row([
            cell(c.chainId),
            cell(
              c.stale ? "stale" : (c.status ?? "fresh").replace(/^CHAIN_STATUS_/, "").toLowerCase(),
              c.stale ? "bad" : c.status && !/HEALTHY/.test(c.status) ? "warn" : "ok",
            ),
            cell(c.headNumber ?? "", "num"),
            cell(c.lastHeartbeatMs ? time(c.lastHeartbeatMs) : "never"),
            cell(age(c.ageMs), "num"),
            cell(c.detail ?? ""),
          ]),
        ),
      );
  },
  signals() {
    const s = state.signals;
    const signals = s?.signals ?? [];
    const venues = s?.venues ?? [];
    const kinds = [...new Set(signals.map((x) => x.kind))].sort();
    draw($("chart-signals"), {
      tooltip: { formatter: (p: { data: { value: [number, string]; name: string } }) => p.data.name },
      grid: { left: 110, right: 20, top: 10, bottom: 30 },
      xAxis: { type: "time", ...AXIS },
      yAxis: { type: "category", data: kinds, ...AXIS },
      series: kinds.map((k) => ({
        name: k,
        type: "scatter",
        symbolSize: 12,
        data: signals
          .filter((x) => x.kind === k)
          .map((x) => ({
            value: [x.issuedAtMs, k],
            name: `#${x.sequence} ${k} ${x.assets.join(",")}: ${x.reason}`,
          })),
      })),
    });
    $("signals-table")
      .querySelector("thead")!
      .replaceChildren(
        row(
          ["seq", "kind", "assets", "issued", "effective", ...venues].map((h) => {
            const th = document.createElement("th") as HTMLTableCellElement;
            th.textContent = h;
            return th;
          }),
        ),
      );
    $("signals-table")
      .querySelector("tbody")!
      .replaceChildren(
        ...[...signals].reverse().map((x) => {
          const tr = row([
            cell(x.sequence, "num"),
            cell(x.kind),
            cell(x.assets.join(",")),
            cell(time(x.issuedAtMs)),
            cell(time(x.effectiveAtMs)),
            ...venues.map((v) =>
              cell(
                x.acks[v] ?? "—",
                x.acks[v] === "applied" ? "ok" : x.acks[v] === "rejected" ? "bad" : "warn",
              ),
            ),
          ]);
          tr.dataset["sequence"] = String(x.sequence);
          return tr;
        }),
      );
  },
  status() {
    const errors = Object.entries(state.status?.upstreams ?? {});
    $("upstreams").textContent = errors.length ? `unavailable: ${errors.map(([k]) => k).join(", ")}` : "";
  },
};

const VIEW_OF: Partial<Record<Topic, string>> = {
  exposure: "view-exposure",
  ladder: "view-ladder",
  prices: "view-prices",
  correlations: "view-correlations",
  chains: "view-chains",
  signals: "view-signals",
};

function connect(): void {
  const live = $("live");
  const events = new EventSource("/v1/events");
  events.onopen = () => {
    live.dataset["state"] = "live";
    live.textContent = "live";
  };
  events.onerror = () => {
    live.dataset["state"] = events.readyState === EventSource.CLOSED ? "down" : "connecting";
    live.textContent = live.dataset["state"]!;
  };
  for (const topic of TOPICS) {
    events.addEventListener(topic, (e) => {
      (state as Record<Topic, unknown>)[topic] = JSON.parse((e as MessageEvent<string>).data);
      render[topic]();
      const view = VIEW_OF[topic];
      if (view) {
        const el = $(view);
        el.dataset["updates"] = String(Number(el.dataset["updates"] ?? "0") + 1);
      }
    });
  }
}

async function runWhatIf(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  const summary = $("whatif-summary");
  const asset = $<HTMLSelectElement>("whatif-asset").value;
  const move = Number($<HTMLInputElement>("whatif-move").value) / 100;
  const maxRounds = Number($<HTMLInputElement>("whatif-rounds").value);
  const propagate = $<HTMLInputElement>("whatif-propagate").checked;
  summary.textContent = "running…";
  const res = await fetch("/v1/stress", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ shocks: [{ asset, move }], maxRounds, propagate }),
  });
  const out = await res.json();
  const view = $("view-whatif");
  if (!res.ok) {
    summary.textContent = `refused: ${out.field ? `${out.field}: ` : ""}${out.reason ?? out.message ?? res.status}`;
    view.dataset["result"] = "error";
    return;
  }
  const rounds = (out.perRound ?? []) as { round: number; positions: number; notional: number }[];
  const assets = (out.assets ?? []) as {
    asset: string;
    initialPrice: number;
    finalPrice: number;
    move: number;
  }[];
  summary.textContent = `${asset} ${(move * 100).toFixed(1)}%: ${out.rounds} rounds${out.converged ? " (converged)" : ""}, ${out.liquidatedPositions} positions liquidated, ${compact(out.liquidatedNotional)} notional, bad debt ${compact(out.badDebt)} (uncovered ${compact(out.uncoveredBadDebt)})`;
  draw($("chart-whatif-rounds"), {
    tooltip: { trigger: "axis" },
    grid: { left: 60, right: 20, top: 20, bottom: 30 },
    xAxis: { type: "category", name: "round", data: rounds.map((r) => String(r.round)), ...AXIS },
    yAxis: { type: "value", ...AXIS, axisLabel: { color: "#aab4be", formatter: compact } },
    series: [
      {
        name: "liquidated notional",
        type: "bar",
        data: rounds.map((r) => r.notional),
        itemStyle: { color: "#f85149" },
      },
    ],
  });
  draw($("chart-whatif-prices"), {
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: ["initial", "final"], textStyle: { color: "#aab4be" } },
    grid: { left: 60, right: 20, top: 30, bottom: 30 },
    xAxis: { type: "category", data: assets.map((a) => `${a.asset} ${(a.move * 100).toFixed(1)}%`), ...AXIS },
    yAxis: { type: "log", ...AXIS, axisLabel: { color: "#aab4be", formatter: compact } },
    series: [
      {
        name: "initial",
        type: "bar",
        data: assets.map((a) => a.initialPrice),
        itemStyle: { color: "#2f6fb0" },
      },
      { name: "final", type: "bar", data: assets.map((a) => a.finalPrice), itemStyle: { color: "#f0b429" } },
    ],
  });
  view.dataset["result"] = "ok";
  view.dataset["rounds"] = String(out.rounds);
}

$<HTMLSelectElement>("exposure-chain").addEventListener("change", () => render.exposure());
$<HTMLSelectElement>("ladder-asset").addEventListener("change", () => render.ladder());
$<HTMLFormElement>("whatif-form").addEventListener("submit", (ev) => {
  runWhatIf(ev).catch((err: unknown) => {
    $("whatif-summary").textContent = `failed: ${String(err)}`;
    $("view-whatif").dataset["result"] = "error";
  });
});
connect();
