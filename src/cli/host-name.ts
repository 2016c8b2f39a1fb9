import { hostname } from "node:os";

/** This host's name for greetings and authserv-ids ("localhost" when the system has none). */
export function safeHostname(): string {
  try {
    return hostname() || "localhost";
  } catch {
    return "localhost";
  }
}
