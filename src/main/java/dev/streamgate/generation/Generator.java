package dev.streamgate.generation;

import dev.streamgate.stream.TokenStream;

/**
 * A model backend. {@link #start} returns at once and writes the request's tokens into the stream
 * as they come, then ends it; it never waits for a client. It must stop when the stream is
 * cancelled: register the stop with {@link TokenStream#onCancel}.
 */
public interface Generator {

  void start(GenerationRequest request, TokenStream stream);
}
