package io.wasmplane.dataplane.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Runs headers, body and trailers of one direction through an ordered list of filters, honouring Envoy's
 * Continue/StopIteration semantics: a stopped filter holds the event (and buffers later body) until it resumes the
 * iteration; body that arrives while a filter holds the headers still reaches that filter, never the ones after it.
 */
final class FilterIterator {
  /** The filters of one direction by position, and what comes after the last one. */
  interface Target {
    int size();

    FilterStatus headers(int pos, boolean end);

    FilterStatus data(int pos, ByteBuf data, boolean end);

    FilterStatus trailers(int pos);

    void sinkHeaders(boolean end);

    void sinkData(ByteBuf data, boolean end);

    void sinkTrailers();

    /** Buffered body exceeded the limit (Envoy: 413 on decode, 500 on encode). */
    void bufferOverflow();
  }

  private enum Phase { HEADERS, DATA, TRAILERS }

  private final Target target;
  private final ByteBufAllocator alloc;
  private final long bufferLimit;
  private final int startPos;
  private int stoppedAt = -1;
  private Phase phase;
  private boolean headersEnd;
  private CompositeByteBuf buffered;
  private boolean bufferedEnd;
  private boolean trailersPending;
  private ByteBuf current;
  private boolean aborted;

  FilterIterator(Target target, ByteBufAllocator alloc, long bufferLimit, int startPos) {
    this.target = target;
    this.alloc = alloc;
    this.bufferLimit = bufferLimit;
    this.startPos = startPos;
  }

  boolean stopped() {
    return stoppedAt >= 0;
  }

  /** The data a filter is looking at right now: the buffer if it holds one, else the chunk in flight. */
  ByteBuf currentData() {
    if (current != null) {
      return current;
    }
    return buffered != null ? buffered : Unpooled.EMPTY_BUFFER;
  }

  void replaceCurrent(ByteBuf data) {
    if (current != null) {
      if (current != data) {
        current.release();
      }
      current = data;
    } else if (buffered != null) {
      buffered.clear();
      buffered.removeComponents(0, buffered.numComponents());
      buffered.addComponent(true, data);
    } else {
      buffered = alloc.compositeBuffer(Integer.MAX_VALUE);
      buffered.addComponent(true, data);
    }
  }

  void headers(boolean end) {
    iterateHeaders(startPos, end);
  }

  void data(ByteBuf chunk, boolean end) {
    if (aborted) {
      chunk.release();
      return;
    }
    iterateData(startPos, chunk, end);
  }

  void trailers() {
    if (aborted) {
      return;
    }
    if (stoppedAt >= 0) {
      trailersPending = true;
      return;
    }
    iterateTrailers(startPos);
  }

  /** Resume after a filter's stop. */
  void resume() {
    if (stoppedAt < 0 || aborted) {
      return;
    }
    int p = stoppedAt;
    Phase ph = phase;
    stoppedAt = -1;
    switch (ph) {
      case HEADERS -> {
        iterateHeaders(p + 1, headersEnd);
        if (aborted) {
          return;
        }
        if (buffered != null) {
          ByteBuf b = takeBuffer();
          iterateData(p + 1, b, bufferedEnd);
        }
      }
      case DATA -> {
        ByteBuf b = takeBuffer();
        iterateData(p + 1, b, bufferedEnd);
      }
      case TRAILERS -> {
        iterateTrailers(p + 1);
        return;
      }
    }
    if (trailersPending && stoppedAt < 0 && !aborted) {
      trailersPending = false;
      iterateTrailers(startPos);
    }
  }

  /** Drop everything held; no more events pass. */
  void abort() {
    aborted = true;
    stoppedAt = -1;
    if (buffered != null) {
      buffered.release();
      buffered = null;
    }
  }

  private void iterateHeaders(int from, boolean end) {
    for (int p = from; p < target.size(); p++) {
      FilterStatus s = target.headers(p, end);
      if (aborted) {
        return;
      }
      if (s != FilterStatus.CONTINUE) {
        stoppedAt = p;
        phase = Phase.HEADERS;
        headersEnd = end;
        return;
      }
    }
    target.sinkHeaders(end);
  }

  private void iterateData(int from, ByteBuf chunk, boolean end) {
    for (int p = from; p < target.size(); p++) {
      if (p == stoppedAt) {
        appendToBuffer(chunk, end);
        if (aborted) {
          return;
        }
        FilterStatus s = target.data(p, buffered, end); // the holding filter sees everything buffered so far
        if (aborted || phase != Phase.DATA || s != FilterStatus.CONTINUE) {
          return;
        }
        stoppedAt = -1;
        chunk = takeBuffer();
        continue;
      }
      ByteBuf[] holder = {chunk};
      FilterStatus s = callDataChunk(p, holder, end);
      chunk = holder[0];
      if (aborted) {
        chunk.release();
        return;
      }
      if (s != FilterStatus.CONTINUE) {
        stoppedAt = p;
        phase = Phase.DATA;
        appendToBuffer(chunk, end);
        return;
      }
    }
    target.sinkData(chunk, end);
  }

  private FilterStatus callDataChunk(int p, ByteBuf[] holder, boolean end) {
    current = holder[0];
    try {
      return target.data(p, current, end);
    } finally {
      holder[0] = current;
      current = null;
    }
  }

  private void iterateTrailers(int from) {
    for (int p = from; p < target.size(); p++) {
      FilterStatus s = target.trailers(p);
      if (aborted) {
        return;
      }
      if (s != FilterStatus.CONTINUE) {
        stoppedAt = p;
        phase = Phase.TRAILERS;
        return;
      }
    }
    target.sinkTrailers();
  }

  private void appendToBuffer(ByteBuf chunk, boolean end) {
    if (buffered == null) {
      buffered = alloc.compositeBuffer(Integer.MAX_VALUE);
    }
    if (chunk.isReadable()) {
      buffered.addComponent(true, chunk);
    } else {
      chunk.release();
    }
    bufferedEnd = end;
    if (buffered.readableBytes() > bufferLimit) {
      target.bufferOverflow();
    }
  }

  private ByteBuf takeBuffer() {
    ByteBuf b = buffered == null ? Unpooled.EMPTY_BUFFER : buffered;
    buffered = null;
    return b;
  }
}
