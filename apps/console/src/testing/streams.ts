// Test helpers of the console's units (not part of the app).

/** A response body fed by the test, piece by piece, recording whether the reader cancelled it. */
export function controlledBody() {
  let controller!: ReadableStreamDefaultController<Uint8Array<ArrayBuffer>>;
  const state = { cancelled: false };
  const body = new ReadableStream<Uint8Array<ArrayBuffer>>({
    start(c) {
      controller = c;
    },
    cancel() {
      state.cancelled = true;
    },
  });
  const encoder = new TextEncoder();
  return {
    body,
    state,
    push: (piece: string | Uint8Array<ArrayBuffer>) => controller.enqueue(typeof piece === 'string' ? encoder.encode(piece) : piece),
    close: () => controller.close(),
    fail: (err: Error) => controller.error(err),
  };
}
