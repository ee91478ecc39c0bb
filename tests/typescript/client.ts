/**
 * A typed client as an SPA team writes it against the types `openapi-typescript` generates from /v1/openapi.json
 * (`./api`, written next to this file by tests/typescript/test_typed_client.py before `tsc --strict` runs).
 *
 * The journey: explore → product detail → checkout → library → lesson playback (and a progress report). It reads
 * the API's real field names on purpose: renaming or retyping one in a response schema breaks this compilation, as
 * it would break a client's build. The `@ts-expect-error` lines prove the types are exact (not `any`): an old name
 * that came back, or a field that lost its type, fails the compile too.
 */
import type { components, paths } from "./api";

type Schemas = components["schemas"];
type Method = "get" | "post" | "put" | "patch" | "delete";
type Operation<P extends keyof paths, M extends Method> = paths[P][M];

type JsonOf<R> = R extends { content: { "application/json": infer T } } ? T : never;
/** The JSON body of an operation's success responses (200, 201 or 202). */
type Success<Op> = Op extends { responses: infer R }
  ? { [S in keyof R]: S extends 200 | 201 | 202 ? JsonOf<R[S]> : never }[keyof R]
  : never;
type BodyOf<Op> = Op extends { requestBody?: { content: { "application/json": infer B } } } ? B : never;
type PathOf<Op> = Op extends { parameters: { path: infer T } } ? T : Record<string, never>;
type QueryOf<Op> = Op extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

export class ApiError extends Error {
  constructor(readonly status: number, readonly body: Schemas["ErrorEnvelope"]) {
    super(`${status} ${body.error.code}: ${body.error.message}`);
  }
}

export class Client {
  constructor(private readonly baseUrl: string, private readonly token?: string) {}

  async call<P extends keyof paths, M extends Method>(
    method: M,
    path: P,
    params: PathOf<Operation<P, M>>,
    options: { body?: BodyOf<Operation<P, M>>; query?: QueryOf<Operation<P, M>> } = {},
  ): Promise<Success<Operation<P, M>>> {
    const values = params as Record<string, string>;
    const url = new URL(String(path).replace(/{(\w+)}/g, (_, name: string) => encodeURIComponent(values[name])),
                        this.baseUrl);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { Accept: "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(url, {
      method: method.toUpperCase(),
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    if (!response.ok) throw new ApiError(response.status, (await response.json()) as Schemas["ErrorEnvelope"]);
    return (await response.json()) as Success<Operation<P, M>>;
  }
}

export function money(cents: number, currency: string): string {
  return new Intl.NumberFormat("en", { style: "currency", currency }).format(cents / 100);
}

export function duration(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export interface Watching {
  title: string;
  price: string;
  length: string;
  paymentSecret: string | null;
  progressPercent: number | null;
  hlsUrl: string;
  thumbnailUrl: string | null;
  resumeAtSeconds: number;
  best: string;
}

/** Find a course with a free preview, read its page, get it, find it in the library and start its first video. */
export async function buyAndWatch(api: Client): Promise<Watching | null> {
  const page = await api.call("get", "/v1/products", {}, { query: { product_type: "course", sort: "newest" } });
  const card: Schemas["ProductCard"] | undefined = page.items.find((item) => item.has_free_preview);
  if (!card) return null;

  const detail = await api.call("get", "/v1/products/{product_id}", { product_id: card.product_id });
  const lessons = (detail.outline ?? []).flatMap((module) => module.lessons);
  const video = lessons.find((lesson) => lesson.has_video);
  if (!video) return null;
  const seconds: number = video.video_duration_seconds ?? video.estimated_duration_seconds;

  let paymentSecret: string | null = null;
  if (!detail.has_access) {
    const checkout = await api.call("post", "/v1/products/{product_id}/checkout", { product_id: card.product_id },
                                    { body: {} });
    paymentSecret = checkout.client_secret ?? null;  // Stripe.js confirms it; access arrives with the webhook
  }

  const library = await api.call("get", "/v1/library", {}, { query: { limit: 50 } });
  const owned = library.items.find((item) => item.product.product_id === card.product_id);
  const progress: Schemas["ProgressSummary"] | null = owned?.progress ?? null;
  if (progress?.is_completed) console.log(`completed on ${progress.completed_at}`);

  const playback = await api.call("get", "/v1/products/{product_id}/lessons/{lesson_id}/playback",
                                  { product_id: card.product_id, lesson_id: video.lesson_id });
  const best = [...playback.variants].sort((a, b) => b.bitrate_bps - a.bitrate_bps)[0];
  await api.call("put", "/v1/products/{product_id}/lessons/{lesson_id}/progress",
                 { product_id: card.product_id, lesson_id: video.lesson_id },
                 { body: { video_progress_seconds: Math.min(playback.resume_position_seconds, seconds),
                           is_bookmarked: true } });

  // @ts-expect-error one unit per quantity: durations are whole seconds, never `duration_ms`
  console.log(playback.duration_ms);
  // @ts-expect-error one name per concept: the poster frame is `thumbnail_url`
  console.log(playback.poster_url);
  // @ts-expect-error the duration is an integer of seconds, not a string (the types are exact, not `any`)
  const wrong: string = playback.duration_seconds;
  console.log(wrong);

  return {
    title: detail.title,
    price: money(card.price_cents, card.currency),
    length: duration(card.total_duration_seconds),
    paymentSecret,
    progressPercent: progress ? progress.progress_percent : null,
    hlsUrl: playback.hls_url,
    thumbnailUrl: playback.thumbnail_url ?? null,
    resumeAtSeconds: playback.resume_position_seconds,
    best: best ? `${best.height}p at ${Math.round(best.bitrate_bps / 1000)} kb/s` : "none",
  };
}

/** The creator's dashboard: one block per currency, never an object keyed by currency. */
export async function revenueByCurrency(api: Client): Promise<string[]> {
  const board = await api.call("get", "/v1/creator/dashboard", {});
  return board.currencies.map((block) => `${money(block.totals.net_cents, block.currency)} net over ` +
                                         `${block.daily.length} days, ${board.ai_allowance.used_tokens} AI tokens used`);
}
