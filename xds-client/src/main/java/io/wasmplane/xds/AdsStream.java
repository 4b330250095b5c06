package io.wasmplane.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.concurrent.Executor;

/**
 * One xDS call: the aggregated stream (ADS) or one type's discovery stream. Inbound flow control is manual: the client
 * asks for the next response once it has taken the previous one in (it stops asking while a type's backlog of
 * responses waiting for verdicts is full). All callbacks run on the client's thread (the call's executor).
 */
abstract class AdsStream<Q, R> {
  interface Events {
    void onEstablished(AdsStream<?, ?> stream);

    void onResponse(AdsStream<?, ?> stream, IncomingResponse response);

    void onClosed(AdsStream<?, ?> stream, Status status);
  }

  private final ClientCall<Q, R> call;
  private final Events events;
  protected final Node node;
  private final boolean nodeOnFirstMessageOnly;
  private boolean anySent;
  private boolean established;
  private boolean closed;
  /** The client stopped asking for responses (a type's backlog is full); it asks again once the backlog drains. */
  boolean stalled;
  boolean receivedResponse;

  AdsStream(Channel channel, MethodDescriptor<Q, R> method, Executor executor, Events events, Node node,
      boolean nodeOnFirstMessageOnly) {
    this.call = channel.newCall(method, CallOptions.DEFAULT.withExecutor(executor));
    this.events = events;
    this.node = node;
    this.nodeOnFirstMessageOnly = nodeOnFirstMessageOnly;
  }

  void start() {
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onHeaders(Metadata headers) {
        markEstablished();
      }

      @Override
      public void onMessage(R message) {
        markEstablished();
        receivedResponse = true;
        events.onResponse(AdsStream.this, decode(message));
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        closed = true;
        events.onClosed(AdsStream.this, status);
      }
    }, new Metadata());
    call.request(1);
  }

  private void markEstablished() {
    if (!established) {
      established = true;
      events.onEstablished(this);
    }
  }

  boolean isClosed() {
    return closed;
  }

  void requestNext() {
    if (!closed) {
      call.request(1);
    }
  }

  void cancel(String why) {
    if (!closed) {
      call.cancel(why, null);
    }
  }

  protected final void send(Q request) {
    if (!closed) {
      call.sendMessage(request);
      anySent = true;
    }
  }

  /** Whether the next request should carry the node. */
  protected final boolean includeNode() {
    return !nodeOnFirstMessageOnly || !anySent;
  }

  protected abstract IncomingResponse decode(R message);

  /** Sends the type's subscription: the full one the first time on this stream, later only what changed. */
  abstract void sendSubscription(TypeState<?> state);

  /** ACK ({@code error == null}) or NACK of the response with this nonce. */
  abstract void sendAckOrNack(TypeState<?> state, String nonce, String error);
}
