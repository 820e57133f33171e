import { Command, InvalidArgumentError, Option } from "commander";
import { OPERATOR_ACTIONS, type OperatorAction } from "./commands/operator.js";
import { UsageError } from "./errors.js";
import { ExitCode } from "./exit-codes.js";
import type { Io } from "./io.js";

export const DEFAULTS = {
  correlator: "http://127.0.0.1:9102",
  coordinator: "127.0.0.1:50051",
  coordinatorHttp: "http://127.0.0.1:9103",
  timeoutMs: 10_000,
} as const;

export const ENV = {
  correlator: "BREAKWATER_CORRELATOR",
  coordinator: "BREAKWATER_COORDINATOR",
  coordinatorHttp: "BREAKWATER_COORDINATOR_HTTP",
  keysFile: "BREAKWATER_KEYS_FILE",
  tlsCert: "BREAKWATER_TLS_CERT",
  tlsKey: "BREAKWATER_TLS_KEY",
  tlsCa: "BREAKWATER_TLS_CA",
  timeoutMs: "BREAKWATER_TIMEOUT_MS",
  token: "BREAKWATER_TOKEN",
} as const;

const EXIT_CODES_HELP = `
Exit codes: 0 ok; 1 failure (a service refused the request, a signal failed
verification); 2 usage error; 3 a service is unreachable or not ready, or the
stream was lost; 130 interrupted.`;

function integer(min: number, what = "an integer"): (value: string) => number {
  return (value) => {
    if (!/^-?\d{1,15}$/.test(value)) throw new InvalidArgumentError(`must be ${what}`);
    const n = Number(value);
    if (n < min) throw new InvalidArgumentError(`must be at least ${min}`);
    return n;
  };
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** The value of an option's environment variable, or the default. */
function fromEnv(io: Io, name: string, fallback: string): string {
  const v = io.env[name];
  return v !== undefined && v !== "" ? v : fallback;
}

/** The program's result, set by the action that ran. */
export interface RunState {
  code: number;
}

/** Every command and flag; actions write through `io` and leave their exit code in `state`. */
export function buildProgram(io: Io, state: RunState): Command {
  const program = new Command("breakwater");
  program
    .description(
      "Breakwater's command line: exposure and stress for researchers, signals and venues for operators.",
    )
    .version("0.1.0", "--version", "print the version")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError(true)
    .addHelpText("after", EXIT_CODES_HELP);

  const timeoutDefault = fromEnv(io, ENV.timeoutMs, String(DEFAULTS.timeoutMs));
  const common = (cmd: Command) =>
    cmd
      .option("--json", "print JSON instead of tables", false)
      .option(
        "--token <token>",
        `bearer token for the services' HTTP APIs (env ${ENV.token}; its role decides what you may do)`,
        io.env[ENV.token] || undefined,
      )
      .addOption(
        new Option("--timeout <ms>", `request timeout in ms (env ${ENV.timeoutMs})`)
          .argParser(integer(1, "a positive integer"))
          .default(Number(timeoutDefault) || DEFAULTS.timeoutMs),
      );
  const correlator = (cmd: Command) =>
    cmd.option(
      "--correlator <url>",
      `correlator HTTP address (env ${ENV.correlator})`,
      fromEnv(io, ENV.correlator, DEFAULTS.correlator),
    );
  const coordinator = (cmd: Command) =>
    cmd
      .option(
        "--coordinator <host:port>",
        `coordinator gRPC address (env ${ENV.coordinator})`,
        fromEnv(io, ENV.coordinator, DEFAULTS.coordinator),
      )
      // The coordinator serves gRPC over mutual TLS only.
      .option(
        "--tls-cert <file>",
        `client certificate (a venue's or an operator's) for the coordinator (env ${ENV.tlsCert})`,
        io.env[ENV.tlsCert] || undefined,
      )
      .option("--tls-key <file>", `its private key (env ${ENV.tlsKey})`, io.env[ENV.tlsKey] || undefined)
      .option(
        "--tls-ca <file>",
        `CA bundle the coordinator's certificate must chain to (env ${ENV.tlsCa})`,
        io.env[ENV.tlsCa] || undefined,
      );
  const coordinatorHttp = (cmd: Command) =>
    cmd.option(
      "--coordinator-http <url>",
      `coordinator HTTP address (env ${ENV.coordinatorHttp})`,
      fromEnv(io, ENV.coordinatorHttp, DEFAULTS.coordinatorHttp),
    );
  const keys = (cmd: Command) => {
    const file = io.env[ENV.keysFile];
    return cmd
      .option(
        "--key <keyId=publicKey>",
        "pin a signing key: key id = base64 public key (raw 32 bytes or SPKI DER) or @file (PEM); repeatable",
        collect,
        [],
      )
      .option(
        `--keys-file <path>`,
        `pin the keys of a JSON file, e.g. from \`keys list --json\` (env ${ENV.keysFile})`,
        file || undefined,
      );
  };

  /**
   * Runs a command's action, loaded when it runs (so `--help` does not load
   * gRPC and the protobuf code); a UsageError prints with the command's help and exits 2.
   */
  const act =
    <O>(load: () => Promise<(opts: O, io: Io) => Promise<number>>) =>
    async (opts: O, cmd: Command) => {
      try {
        const { useBearerToken } = await import("./http-client.js");
        useBearerToken((opts as { token?: string }).token);
        state.code = await (await load())(opts, io);
      } catch (err) {
        if (err instanceof UsageError)
          cmd.error(`error: ${err.message}`, { exitCode: ExitCode.usage, code: "breakwater.usage" });
        throw err;
      }
    };

  common(
    correlator(
      program
        .command("exposure")
        .description("cross-venue, cross-chain exposure per asset, venue and chain (GET /v1/exposure)")
        .option("--asset <asset>", "only this asset")
        .option("--chain <chain>", "only this chain")
        .option("--venue <venue>", "only this venue")
        .option("--entity <entity>", "only this entity's positions"),
    ),
  )
    .addHelpText("after", "\nExample:\n  breakwater exposure --asset ETH --correlator http://127.0.0.1:9102")
    .action(act(async () => (await import("./commands/research.js")).exposureCommand));

  common(
    correlator(
      program
        .command("ladder")
        .description("liquidation ladder per asset: what liquidates at each price move (GET /v1/ladder)")
        .option("--asset <asset>", "only this asset")
        .option(
          "--step-bps <bps>",
          "rung size in basis points (default 50)",
          integer(1, "a positive integer"),
        )
        .option(
          "--range-bps <bps>",
          "range either way in basis points (default 5000)",
          integer(1, "a positive integer"),
        )
        .option("--all-rungs", "print every rung, not only those where positions liquidate", false),
    ),
  )
    .addHelpText("after", "\nExample:\n  breakwater ladder --asset ETH --step-bps 100 --range-bps 2000")
    .action(act(async () => (await import("./commands/research.js")).ladderCommand));

  common(
    correlator(
      program
        .command("stress")
        .description(
          "what-if cascade: shock prices and see liquidations and bad debt round by round (POST /v1/stress)",
        )
        .option(
          "--file <path>",
          "scenario as JSON or YAML: {shocks, maxRounds, depth, insuranceFunds, propagate}",
        )
        .option(
          "--shock <asset=move>",
          "price shock: fraction (ETH=-0.2) or percent (ETH=-20%); repeatable",
          collect,
          [],
        )
        .option(
          "--depth <asset=notional[:exponent]>",
          "market depth: notional that moves the price 1%; repeatable",
          collect,
          [],
        )
        .option("--fund <venue=amount>", "insurance fund of a venue; repeatable", collect, [])
        .option("--max-rounds <n>", "cascade rounds, 1-100 (default 10)", integer(1, "a positive integer"))
        .option("--propagate", "propagate moves to correlated assets")
        .option("--no-propagate", "do not propagate (overrides the file)"),
    ),
  )
    .addHelpText(
      "after",
      "\nFlags add to the file's shocks, depth and funds and override its maxRounds and propagate.\n" +
        "Examples:\n  breakwater stress --shock ETH=-20% --max-rounds 5\n  breakwater stress --file scenario.yaml --fund perp-a=5000000",
    )
    .action(act(async () => (await import("./commands/research.js")).stressCommand));

  common(
    correlator(
      program
        .command("export")
        .description(
          "write the history (exposure snapshots, signals) of a time range to files for pandas or DuckDB (GET /v1/history)",
        )
        .requiredOption("--from <time>", "start, RFC 3339 (inclusive), e.g. 2026-12-04T00:00:00Z")
        .option("--to <time>", "end, RFC 3339 (exclusive; default now)")
        .addOption(
          new Option("--format <format>", "file format")
            .choices(["csv", "jsonl", "parquet"])
            .default("parquet"),
        )
        .requiredOption(
          "--out <dir>",
          "directory for snapshots.<format> and signals.<format> (created if missing)",
        )
        .option("--kinds <kinds>", "what to export: snapshot, signal or both", "snapshot,signal")
        .option(
          "--page-size <n>",
          "entries per request, 1-1000 (default 500)",
          integer(1, "a positive integer"),
          500,
        ),
    ),
  )
    .addHelpText(
      "after",
      "\nOne row per snapshot row (asset, venue, chain at one instant) and one per signal. Notionals are numbers\n" +
        "(float64, as the API computes them); reference prices stay exact decimal strings. CSV is RFC 4180 (CRLF,\n" +
        "quoted fields), JSON lines one object per row, Parquet typed columns (timestamps in ms). A progress bar\n" +
        "is drawn on stderr when it is a terminal. A file appears only when complete.\n" +
        "Example:\n  breakwater export --from 2026-12-04T00:00:00Z --to 2026-12-05T00:00:00Z --format parquet --out history/",
    )
    .action(act(async () => (await import("./commands/export.js")).exportCommand));

  const signals = program.command("signals").description("follow and verify the signed signal log");
  common(
    keys(
      coordinator(
        signals
          .command("tail")
          .description(
            "follow the signals of a venue's scope live (Subscribe), verifying each with the pinned keys",
          )
          .requiredOption("--venue <venue>", "subscribe as this venue (scope filter; the CLI never acks)")
          .option(
            "--after <sequence>",
            "replay from after this log sequence (0 = the whole log)",
            integer(0, "a non-negative integer"),
            0,
          )
          .option("--count <n>", "stop after n signals", integer(1, "a positive integer")),
      ),
    ),
  )
    .addHelpText(
      "after",
      "\nPrints one line per signal (--json: one JSON object per line, {verified, signal}, which `signals verify --file` reads).\n" +
        "Runs until --count signals, Ctrl-C, or the stream is lost. Exit 1 if any signal failed verification or a\n" +
        "continuity gap was seen, else 3 if the stream was lost, else 0.\n" +
        "Subscribing names a venue: use an existing venue id; a new id joins the coordinator's venue table.\n" +
        "Example:\n  breakwater signals tail --venue perp-a --keys-file keys.json --json > signals.jsonl",
    )
    .action(act(async () => (await import("./commands/signals.js")).tailCommand));

  common(
    keys(
      coordinatorHttp(
        coordinator(
          signals
            .command("verify")
            .description("verify signals from a file, or a range of the log, against the pinned keys")
            .option(
              "--file <path>",
              "JSON lines from `signals tail --json`, or a saved GET /v1/signals answer",
            )
            .option("--from <sequence>", "first log sequence (default 1)", integer(1, "a positive integer"))
            .option(
              "--to <sequence>",
              "last log sequence (default: the last in the log)",
              integer(1, "a positive integer"),
            )
            .option("--http", "read the log over HTTP (/v1/signals) instead of gRPC (ListSignals)", false)
            .option("--all", "list every signal, not only failures", false)
            .option("--quiet", "no progress on stderr", false),
        ),
      ),
    ),
  )
    .addHelpText(
      "after",
      "\nWithout --file, reads the log from the coordinator (whole log by default). Exit 1 if any entry\n" +
        "fails verification or there is nothing to verify.\n" +
        "Examples:\n  breakwater signals verify --file signals.jsonl --keys-file keys.json\n" +
        "  breakwater signals verify --from 100 --to 200 --key ed25519:0123456789abcdef=BASE64",
    )
    .action(act(async () => (await import("./commands/signals.js")).verifyCommand));

  common(
    coordinatorHttp(
      program
        .command("venues")
        .description("venues the coordinator knows: connection, last acked sequences, late halt acks")
        .option("--venue <venue>", "only this venue"),
    ),
  )
    .addHelpText(
      "after",
      "\nReads GET /v1/venues and GET /v1/acks/late.\nExample:\n  breakwater venues --coordinator-http http://127.0.0.1:9103",
    )
    .action(act(async () => (await import("./commands/venues.js")).venuesCommand));

  const keysCmd = program.command("keys").description("signing keys");
  keysCmd
    .command("generate")
    .description("generate an Ed25519 signing key pair for the coordinator")
    .requiredOption("--out <path>", "write the private key (PEM, PKCS#8) to this file, mode 0600")
    .option("--force", "overwrite an existing file", false)
    .option("--json", "print JSON instead of text", false)
    .addHelpText(
      "after",
      "\nPrints the key id and the public key to pin. Give the file to the coordinator as BW_SIGNING_KEY_FILE.\n" +
        "Example:\n  breakwater keys generate --out /secrets/signing.pem",
    )
    .action(act(async () => (await import("./commands/keys.js")).keysGenerateCommand));
  common(
    coordinator(
      keysCmd
        .command("list")
        .description(
          "the public keys the coordinator publishes (GetSigningKeys); --json output is a keys file",
        ),
    ),
  )
    .addHelpText(
      "after",
      "\nThis trusts the connection: check the keys against the ones you were given before pinning them.\n" +
        "Example:\n  breakwater keys list --json > keys.json",
    )
    .action(act(async () => (await import("./commands/keys.js")).keysListCommand));

  const signal = program
    .command("signal")
    .description("manual signals through the coordinator's audited operator API (operator or admin token)");
  const numberOf = (what: string) => (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`must be ${what}`);
    return n;
  };
  for (const action of Object.keys(OPERATOR_ACTIONS) as OperatorAction[]) {
    const cmd = common(
      coordinatorHttp(
        signal
          .command(action)
          .description(OPERATOR_ACTIONS[action])
          .requiredOption("--reason <text>", "why (audited, carried in the signal)")
          .option("--asset <asset>", "scope: an asset (repeatable; none = every asset)", collect, [])
          .option("--market <market>", "scope: a market (repeatable)", collect, [])
          .option("--venue <venue>", "scope: a venue (repeatable; none = every venue)", collect, [])
          .option("--chain <chain>", "scope: a chain (repeatable)", collect, []),
      ),
    );
    if (action === "halt")
      cmd
        .option("--level <n>", "breaker level 1-3", integer(1, "an integer from 1 to 3"))
        .option("--mode <mode>", "full or reduce-only")
        .option("--duration-ms <ms>", "how long (0 = until a resume)", integer(0, "a non-negative integer"));
    if (action === "resume")
      cmd.option("--halt <sequence>", "the sequence of the halt to end", integer(1, "a sequence"));
    if (action === "margin")
      cmd
        .option("--initial <multiplier>", "initial margin multiplier", numberOf("a number"))
        .option("--maintenance <multiplier>", "maintenance margin multiplier", numberOf("a number"));
    if (action === "advisory")
      cmd.option("--code <code>", "advisory code").option("--message <text>", "advisory message");
    cmd
      .addHelpText(
        "after",
        "\nPOST /v1/operator/signals. A halt, an advisory or a tightening is issued at once; a resume or a\n" +
          "loosening waits for a second, distinct operator (`signal approve`). Everything is audited.",
      )
      .action(
        act(async () => {
          const { signalCommand } = await import("./commands/operator.js");
          return (o: Parameters<typeof signalCommand>[1], io2: Io) => signalCommand(action, o, io2);
        }),
      );
  }
  common(
    coordinatorHttp(
      signal
        .command("approve")
        .description("approve another operator's resume or loosening")
        .argument("<request-id>", "the request id `signal resume` printed"),
    ),
  ).action(async (requestId: string, opts: { token?: string }, cmd: Command) => {
    const { approveCommand } = await import("./commands/operator.js");
    await act(
      async () => (o: Parameters<typeof approveCommand>[1], io2: Io) => approveCommand(requestId, o, io2),
    )(opts as never, cmd);
  });
  common(
    coordinatorHttp(signal.command("pending").description("requests awaiting a second operator")),
  ).action(act(async () => (await import("./commands/operator.js")).pendingCommand));

  return program;
}
