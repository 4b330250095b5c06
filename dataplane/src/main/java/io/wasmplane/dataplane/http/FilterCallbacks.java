package io.wasmplane.dataplane.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;

/** What a filter may do to its stream. Only call from the stream's event loop. */
public interface FilterCallbacks {
  /** Resume a decode iteration this filter stopped. */
  void continueDecoding();

  /** Resume an encode iteration this filter stopped. */
  void continueEncoding();

  /** Answer the client locally; the reply goes through the encode side of the filters before this one. */
  void sendLocalReply(int status, String body, HttpHeaders extraHeaders, String details);

  HttpRequest requestHeaders();

  /** Null until response headers exist. */
  HttpResponse responseHeaders();

  /** The request body buffered at this filter (empty if none). */
  ByteBuf decodingBuffer();

  /** The response body buffered at this filter (empty if none). */
  ByteBuf encodingBuffer();

  /** Replace the request body currently being processed (buffered or in-flight chunk). */
  void replaceDecodingData(ByteBuf data);

  /** Replace the response body currently being processed. */
  void replaceEncodingData(ByteBuf data);

  HttpHeaders requestTrailers();

  HttpHeaders responseTrailers();

  StreamInfo streamInfo();

  EventLoop eventLoop();

  /** Abort the stream (reset both sides). */
  void resetStream();
}
