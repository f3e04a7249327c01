/** The size of a benchmark homelab, from the environment; shared by ours and the bare floor. */
export const SHAPE = {
  containers: Number(process.env.BENCH_CONTAINERS ?? 100),
  vms: Number(process.env.BENCH_VMS ?? 1),
  perStack: Number(process.env.BENCH_PER_STACK ?? 5),
};

export const IMAGES = ["nginx:1.27.3-alpine", "redis:7.4.1-alpine", "postgres:16.4-alpine", "postgrest/postgrest:v12.2.3", "grafana/grafana:11.3.1"];
