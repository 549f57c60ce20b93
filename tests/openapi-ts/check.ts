// A web client's calls, typed from the generated `dixie.d.ts` (openapi-typescript) and made
// with openapi-fetch. It must compile under `strict`; each `@ts-expect-error` marks a call the
// spec must refuse (tsc fails if it is accepted).
import createClient from "openapi-fetch";
import type { RequestBodyJSON, SuccessResponseJSON } from "openapi-typescript-helpers";
import type { components, paths } from "./dixie";

type Schemas = components["schemas"];

const client = createClient<paths>({ baseUrl: "https://dixie.example" });

// JSON bodies are JSON: the helper types resolve to the schemas, not `never`.
const login: RequestBodyJSON<paths["/api/auth/siwe"]["post"]> = { message: "m", signature: "0x" };
type Token = SuccessResponseJSON<paths["/api/auth/siwe"]["post"]>["token"];

export async function signIn(message: string, signature: string): Promise<Token | undefined> {
  const nonce = await client.POST("/api/auth/nonce");
  if (nonce.data) {
    const value: string = nonce.data.nonce;
    void value;
  } else if (nonce.error.error === "rate_limited") {
    const wait: number | undefined = nonce.error.retry_after;
    void wait;
  }
  const { data, error } = await client.POST("/api/auth/siwe", { body: { message, signature } });
  if (error) {
    const code: string = error.error;
    const denied: Schemas["EvaluationGap"] | undefined = error.evaluation_gap;
    void code, denied;
    return undefined;
  }
  return data.token;
}

export async function chat(token: string): Promise<string | undefined> {
  const headers = { Authorization: `Bearer ${token}` };
  const { data, response } = await client.POST("/api/chat", {
    headers,
    body: { prompt: "hello", stream: false },
  });
  const pool: string | null = response.headers.get("X-Model-Pool");
  void pool;
  return data?.sessionId;
}

export async function record(serviceKey: string): Promise<number | undefined> {
  const { data } = await client.POST("/api/reputation/{nftId}/events", {
    params: { path: { nftId: "42" } },
    headers: { Authorization: `Bearer ${serviceKey}` },
    body: {
      event: {
        type: "task_completed",
        event_id: "4f1c2d3e-0000-4000-8000-000000000001",
        agent_id: "agent",
        collection_id: "collection",
        timestamp: "2026-12-01T00:00:00Z",
        task_type: "code_review",
        success: true,
      },
    },
  });
  return data?.seq;
}

export async function refused(): Promise<void> {
  // @ts-expect-error `message` is a string
  await client.POST("/api/auth/siwe", { body: { message: 1, signature: "0x" } });
  // @ts-expect-error the login body is a closed object
  const closed: RequestBodyJSON<paths["/api/auth/siwe"]["post"]> = { message: "m", signature: "0x", extra: true };
  void closed;
  // @ts-expect-error no such route
  await client.GET("/api/nothing-here");
  // @ts-expect-error the path parameter is required
  await client.GET("/api/personality/{nftId}", {});
}

void login;
