package io.wasmplane.dataplane.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.wasmplane.dataplane.config.RouteEntry;
import io.wasmplane.dataplane.config.RouteFilterConfig;
import io.wasmplane.dataplane.config.RouteTable;
import java.util.Optional;

/** What a filter may do to its stream. Only call from the stream's event loop. */
public interface FilterCallbacks {
  /** Resume a decode iteration this filter stopped. */
  void continueDecoding();

  /** Resume an encode iteration this filter stopped. */
  void continueEncoding();

  /**
   * Answer the client locally; the reply goes through the encode side of the filters before this one. A gRPC request
   * gets it as a trailers-only gRPC response whose grpc-status is the HTTP status mapped as Envoy maps it.
   */
  default void sendLocalReply(int status, String body, HttpHeaders extraHeaders, String details) {
    sendLocalReply(status, body, extraHeaders, details, GrpcLocalReply.NONE);
  }

  /** As above, with the grpc-status a gRPC request gets ({@code -1}: the HTTP status mapped). */
  void sendLocalReply(int status, String body, HttpHeaders extraHeaders, String details, int grpcStatus);

  /**
   * The stream's route (Envoy's cached route): matched on the request headers on first use, then cached for every
   * filter and the router until {@link #clearRouteCache()}; empty when no route matches.
   */
  Optional<RouteEntry> route();

  /** The route table {@link #route()} matches in (to ask whether any route configures a filter at all). */
  RouteTable routeTable();

  /**
   * The stream's route's own config of type {@code type} for filter {@code filterName} (typed_per_filter_config, most
   * specific level); empty without one. Matches no route when no route in the table configures the filter.
   */
  default <T extends RouteFilterConfig> Optional<T> routeFilterConfig(String filterName, Class<T> type) {
    RouteTable routes = routeTable();
    if (routes == null || !routes.configuresFilter(filterName, false)) {
      return Optional.empty();
    }
    return route().flatMap(r -> r.filterConfigs().get(filterName, type));
  }

  /** Call after changing request headers routing may read (path, host, headers): the route is matched again. */
  void clearRouteCache();

  /** The stats of the connection manager this stream runs in (http.<stat_prefix>.*). */
  HcmStats connectionManagerStats();

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
