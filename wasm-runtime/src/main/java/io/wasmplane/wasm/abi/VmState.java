package io.wasmplane.wasm.abi;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import io.wasmplane.wasm.AbiVersion;
import io.wasmplane.wasm.FailState;
import io.wasmplane.wasm.PluginConfig;
import io.wasmplane.wasm.PluginFailureException;
import io.wasmplane.wasm.PluginFailureException.Kind;
import io.wasmplane.wasm.VmConfig;
import io.wasmplane.wasm.WasmException;
import io.wasmplane.wasm.host.ContextHost;
import io.wasmplane.wasm.host.HeaderMap;
import io.wasmplane.wasm.host.VmHost;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Chicory instance of a plugin module and everything the host functions need while it runs (Envoy's WasmBase
 * plus its contexts). Single-threaded: after start-up only the VM's executor thread touches it.
 *
 * <p>Every plugin call goes through {@link #invoke}: it sets the current and effective context, arms the watchdog
 * for the outermost call, and turns whatever the call throws into a {@link PluginFailureException} that fails the
 * VM ({@link FailState#RUNTIME_ERROR}); after that every callback throws at once.
 */
public final class VmState {
  private static final Logger LOG = LoggerFactory.getLogger(VmState.class);

  static {
    // Load what failure handling needs now, not at the first failure: a first failure deep in a stack overflow would
    // fail the class initializer and poison these classes for the whole process (NoClassDefFoundError ever after).
    Kind.values();
    new PluginFailureException(Kind.TRAP, "", "", "", null).getMessage();
    FailState.values();
  }

  final RuntimeServices services;
  final ModuleShape shape;
  final VmConfig config;
  final VmHost host;
  private final String label;
  private Instance instance;
  GuestMemory memory;
  private final ExportFunction[] exports = new ExportFunction[Callback.values().length];
  private final ContextTable contexts = new ContextTable();
  private final Map<String, ContextState> rootsByRootId = new HashMap<>();
  private int lastContextId;
  private int lastToken;
  private final CallGuard guard = new CallGuard();
  private final long[][] argBuffers = {new long[0], new long[1], new long[2], new long[3], new long[4]};
  private int depth;
  private FailState failState = FailState.OK;
  private boolean failureReported;
  private boolean closed;
  private boolean vmStarted;
  /** True while `_initialize`/`main`/`_start` run: only logging, clock, random and WASI may be called then. */
  boolean starting;
  /** True during the access logger's on_log: Envoy answers a missing map there with NOT_FOUND. */
  boolean accessLogPhase;
  /** The context host calls act on: the callback's context, or what proxy_set_effective_context chose. */
  ContextState effective;
  private String currentCall = "start";
  /** Set for the duration of the callbacks that expose runtime-owned maps and buffers. */
  final Callout callout = new Callout();
  final Map<Integer, HttpCallFunctions.PendingCall> httpCalls = new HashMap<>();
  final Map<Integer, GrpcFunctions.Call> grpcCalls = new HashMap<>();
  final Map<Integer, IntConsumer> queueOwnerships = new HashMap<>();
  private final List<Runnable> closeHooks = new ArrayList<>();

  /** Runtime-owned data readable only inside the callback that delivers it. */
  static final class Callout {
    HeaderMap httpHeaders;
    HeaderMap httpTrailers;
    byte[] httpBody;
    HeaderMap grpcInitialMetadata;
    HeaderMap grpcTrailingMetadata;
    byte[] grpcMessage;
    byte[] foreignArguments;
    int statusCode;
    String statusMessage = "";

    void clearData() {
      httpHeaders = httpTrailers = grpcInitialMetadata = grpcTrailingMetadata = null;
      httpBody = grpcMessage = foreignArguments = null;
    }
  }

  private VmState(RuntimeServices services, ModuleShape shape, VmConfig config, VmHost host, String label) {
    this.services = services;
    this.shape = shape;
    this.config = config;
    this.host = host;
    this.label = label;
  }

  /**
   * Instantiates the module and runs its start functions as cpp-host does: `_initialize` then `main(0, 0)` when
   * exported, else `_start`. During them only the start-up-safe host functions may be called.
   *
   * @param machineFactory the compiled-code factory, or null for the interpreter
   * @param wasi the WASI host functions bound for this VM (they need the VM's environment and log)
   */
  public static VmState start(
      RuntimeServices services,
      WasmModule module,
      Function<Instance, Machine> machineFactory,
      ModuleShape shape,
      VmConfig config,
      VmHost host,
      String label,
      Function<VmState, List<HostFunction>> wasi)
      throws WasmException {
    VmState vm = new VmState(services, shape, config, host, label);
    vm.instantiate(module, machineFactory, wasi.apply(vm));
    services.watchdog().watch(vm.guard);
    vm.runStartFunctions();
    return vm;
  }

  private void instantiate(WasmModule module, Function<Instance, Machine> machineFactory, List<HostFunction> wasi)
      throws WasmException {
    int cap = services.maxMemoryPages();
    int initial = module.memorySection().get().getMemory(0).limits().initialPages();
    if (initial > cap) {
      throw new WasmException(FailState.UNABLE_TO_CREATE_VM, label + ": module needs " + initial
          + " initial memory pages, the limit is " + cap);
    }
    List<HostFunction> functions = new ArrayList<>(HostFunctions.bindAll(this));
    functions.addAll(wasi);
    try {
      Instance.Builder b = Instance.builder(module)
          .withImportValues(ImportValues.builder().withFunctions(new ArrayList<>(functions)).build())
          .withMemoryFactory(limits -> new ByteArrayMemory(
              new MemoryLimits(limits.initialPages(), Math.min(limits.maximumPages(), cap))))
          .withStart(false);
      if (machineFactory != null) {
        b.withMachineFactory(machineFactory);
      }
      instance = b.build();
    } catch (RuntimeException e) {
      throw new WasmException(FailState.UNABLE_TO_CREATE_VM, label + ": cannot instantiate the module: " + e, e);
    }
    memory = new GuestMemory(instance.memory(), this);
    for (Callback cb : Callback.values()) {
      String name = shape.exportName(cb);
      boolean allocator = cb == Callback.MALLOC || cb == Callback.ON_MEMORY_ALLOCATE;
      if (name != null && (allocator || capabilityAllowed(name))) { // a disallowed callback is never called
        exports[cb.ordinal()] = instance.export(name);
      }
    }
  }

  private void runStartFunctions() throws WasmException {
    starting = true;
    try {
      if (shape.hasInitialize()) {
        invokeExport("_initialize", instance.export("_initialize"), null, services.startTimeoutNanos());
        if (shape.hasMain()) {
          invokeExport("main", instance.export("main"), null, services.startTimeoutNanos(),
              new long[shape.mainArity()]);
        }
      } else if (shape.hasStart()) {
        invokeExport("_start", instance.export("_start"), null, services.startTimeoutNanos());
      }
    } catch (PluginFailureException e) {
      failState = FailState.START_FAILED;
      throw new WasmException(FailState.START_FAILED, label + ": start-up failed: " + e.getMessage(), e);
    } finally {
      starting = false;
    }
  }

  /**
   * Creates the root context for a plugin in cpp-host's order: on_context_create(id, 0), then on_vm_start(id,
   * vm_config_size) if this is the VM's first root context (false fails the VM: START_FAILED), then
   * on_configure(id, plugin_config_size) (false rejects this plugin only: CONFIGURE_FAILED).
   */
  public ContextState createRoot(PluginConfig plugin, ContextHost contextHost) throws WasmException {
    if (failState != FailState.OK && !closed) {
      throw new WasmException(failState, "plugin '" + plugin.name() + "': VM " + label + " has failed (" + failState
          + ")");
    }
    ensureUsable("proxy_on_context_create");
    if (rootsByRootId.containsKey(plugin.rootId())) {
      throw new IllegalStateException("VM " + label + " already has a root context for root_id '" + plugin.rootId()
          + "'");
    }
    ContextState root = new ContextState(++lastContextId, ContextState.Kind.ROOT, null, contextHost, plugin);
    contexts.put(root);
    rootsByRootId.put(plugin.rootId(), root);
    String name = "plugin '" + plugin.name() + "' (root_id '" + plugin.rootId() + "')";
    try {
      invokeConfig(root, Callback.ON_CONTEXT_CREATE, root.id, 0);
      if (!vmStarted) { // once per VM, on its first root context (cpp-host's onStart)
        vmStarted = true;
        if (invokeConfig(root, Callback.ON_VM_START, root.id, config.configuration().length) == 0) {
          failState = FailState.START_FAILED;
          throw new WasmException(FailState.START_FAILED, name + ": proxy_on_vm_start returned false");
        }
      }
      if (invokeConfig(root, Callback.ON_CONFIGURE, root.id, plugin.configuration().length) == 0) {
        throw new WasmException(FailState.CONFIGURE_FAILED,
            name + ": proxy_on_configure returned false (configuration rejected)");
      }
      return root;
    } catch (PluginFailureException e) {
      forget(root);
      FailState fs = e.callback().equals("proxy_on_configure") ? FailState.CONFIGURE_FAILED : FailState.START_FAILED;
      throw new WasmException(fs, name + ": " + e.getMessage(), e);
    } catch (WasmException e) {
      forget(root);
      throw e;
    }
  }

  private long invokeConfig(ContextState ctx, Callback cb, long... args) {
    ExportFunction fn = exports[cb.ordinal()];
    if (fn == null) {
      return 1;
    }
    long[] r = invokeExport(cb.exportName(), fn, ctx, services.startTimeoutNanos(), adapt(cb, args));
    return r == null || r.length == 0 ? 1 : r[0];
  }

  /** Creates an HTTP or network context under a root: on_context_create(id, root id). */
  public ContextState createStream(ContextState root, ContextState.Kind kind, ContextHost contextHost) {
    if (root.closed) {
      throw new IllegalStateException("root context " + root.id + " is closed");
    }
    ContextState ctx = new ContextState(++lastContextId, kind, root, contextHost, root.plugin);
    contexts.put(ctx);
    try {
      invoke(ctx, Callback.ON_CONTEXT_CREATE, 0, ctx.id, root.id);
    } catch (PluginFailureException e) {
      forget(ctx);
      throw e;
    }
    return ctx;
  }

  /** Whether the module exports this callback. */
  public boolean exports(Callback cb) {
    return exports[cb.ordinal()] != null;
  }

  /**
   * Calls a callback on a context with the arguments of the newest ABI (they are cut to the module's arity).
   * Returns the i32 result, or {@code absent} when the module does not export the callback.
   */
  public long invoke(ContextState ctx, Callback cb, long absent, long... args) {
    ExportFunction fn = exports[cb.ordinal()];
    if (fn == null) {
      ensureUsable(cb.exportName());
      return absent;
    }
    long[] r = invokeExport(cb.exportName(), fn, ctx, services.callTimeoutNanos(), adapt(cb, args));
    return r == null || r.length == 0 ? absent : r[0];
  }

  /** {@link #invoke(ContextState, Callback, long, long...)} with one argument, in a reused array. */
  public long invoke(ContextState ctx, Callback cb, long absent, long a0) {
    return invokeFew(ctx, cb, absent, 1, a0, 0, 0);
  }

  /** {@link #invoke(ContextState, Callback, long, long...)} with two arguments, in a reused array. */
  public long invoke(ContextState ctx, Callback cb, long absent, long a0, long a1) {
    return invokeFew(ctx, cb, absent, 2, a0, a1, 0);
  }

  /** {@link #invoke(ContextState, Callback, long, long...)} with three arguments, in a reused array. */
  public long invoke(ContextState ctx, Callback cb, long absent, long a0, long a1, long a2) {
    return invokeFew(ctx, cb, absent, 3, a0, a1, a2);
  }

  /** The per-request callbacks take one to three arguments: no array is allocated for them. */
  private long invokeFew(ContextState ctx, Callback cb, long absent, int n, long a0, long a1, long a2) {
    ExportFunction fn = exports[cb.ordinal()];
    if (fn == null) {
      ensureUsable(cb.exportName());
      return absent;
    }
    int arity = shape.arity(cb);
    long[] args = argsOf(arity >= 0 ? arity : n);
    for (int i = 0; i < args.length; i++) { // cut or zero-padded to the module's arity, as adapt() does
      args[i] = i == 0 ? a0 : i == 1 ? a1 : i == 2 ? a2 : 0; // unused ones are passed as 0
    }
    long[] r = invokeExport(cb.exportName(), fn, ctx, services.callTimeoutNanos(), args);
    return r == null || r.length == 0 ? absent : r[0];
  }

  /**
   * An argument array of this length, reused: Chicory copies the arguments out as a call starts (compiled code into
   * locals, the interpreter into its frame), so one array per length serves every call, nested ones too.
   */
  private long[] argsOf(int length) {
    return length < argBuffers.length ? argBuffers[length] : new long[length];
  }

  /** Calls a callback with {@code view} standing in for the context's host (the access logger's stream view). */
  public void invokeWithHost(ContextState ctx, ContextHost view, Callback cb, long... args) {
    ContextHost own = ctx.host;
    ctx.host = view;
    accessLogPhase = true;
    try {
      invoke(ctx, cb, 0, args);
    } finally {
      ctx.host = own;
      accessLogPhase = false;
    }
  }

  /** {@code proxy_on_foreign_function(root, function_id, args_size)} with the arguments readable. */
  public void invokeForeign(ContextState root, int functionId, byte[] arguments) {
    callout.foreignArguments = arguments;
    try {
      invoke(root, Callback.ON_FOREIGN_FUNCTION, 0, root.id, functionId, arguments.length);
    } finally {
      callout.foreignArguments = null;
    }
  }

  /**
   * Envoy's stat sink: {@code envoy_on_stats_update(root, size)} with the stats buffer readable as buffer type 8
   * (cpp-host's CallData, which 0.2.x names FOREIGN_FUNCTION_ARGUMENTS).
   */
  public void invokeStatsUpdate(ContextState root, byte[] buffer) {
    callout.foreignArguments = buffer;
    try {
      invoke(root, Callback.ENVOY_ON_STATS_UPDATE, 0, root.id, buffer.length);
    } finally {
      callout.foreignArguments = null;
    }
  }

  public boolean pendingDone(ContextState ctx) {
    return ctx.pendingDone;
  }

  private long[] adapt(Callback cb, long[] args) {
    int arity = shape.arity(cb);
    return arity >= 0 && arity != args.length ? Arrays.copyOf(args, arity) : args;
  }

  private long[] invokeExport(String name, ExportFunction fn, ContextState ctx, long timeoutNanos, long... args) {
    ensureUsable(name);
    ContextState prevEffective = effective;
    String prevCall = currentCall;
    effective = ctx;
    currentCall = name;
    boolean outermost = depth++ == 0;
    if (outermost) {
      guard.enter(timeoutNanos);
    }
    PluginFailureException failure;
    try {
      return fn.apply(args);
    } catch (StackOverflowError e) {
      if (!outermost) {
        // A nested call (the allocator inside a host call) has almost no stack left: unwind to the outermost call,
        // which classifies with room to spare (classifying here could overflow again, even in a class initializer).
        throw e;
      }
      failure = classify(name, e);
    } catch (RuntimeException | OutOfMemoryError e) {
      failure = classify(name, e);
    } finally {
      depth--;
      if (outermost) {
        guard.exit();
      }
      effective = prevEffective;
      currentCall = prevCall;
    }
    if (failState == FailState.OK) {
      failState = FailState.RUNTIME_ERROR;
    }
    if (outermost && !failureReported) { // the interrupt flag is clear now: safe to log
      failureReported = true;
      LOG.warn("Wasm VM {} failed: {}", label, failure.getMessage());
      LOG.debug("Wasm VM {} failure cause", label, failure.getCause());
      try {
        host.vmFailed(failure);
      } catch (RuntimeException embedderBug) {
        LOG.warn("Wasm VM {}: the embedder's vmFailed hook threw", label, embedderBug);
      }
    }
    throw failure;
  }

  private PluginFailureException classify(String callback, Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof PluginFailureException pfe) {
        return pfe;
      }
    }
    Kind kind;
    String message = String.valueOf(t.getMessage());
    if (guard.timedOut()) {
      kind = Kind.TIMEOUT;
      message = "ran past the call timeout of " + services.callTimeoutNanos() / 1_000_000 + " ms";
    } else if (has(t, ChicoryInterruptedException.class)) {
      kind = Kind.INTERRUPTED;
    } else if (has(t, WasiExitException.class)) {
      kind = Kind.PROC_EXIT;
      message = "proc_exit(" + find(t, WasiExitException.class).exitCode() + ")";
    } else if (has(t, StackOverflowError.class) || message.contains("call stack exhausted")) {
      kind = Kind.STACK_EXHAUSTED;
    } else if (has(t, OutOfMemoryError.class)) {
      kind = Kind.MEMORY_LIMIT;
    } else if (t instanceof ChicoryException || t instanceof ArithmeticException
        || t instanceof IndexOutOfBoundsException) {
      kind = memory != null && memory.pages() >= memory.maximumPages() ? Kind.MEMORY_LIMIT : Kind.TRAP;
      if (kind == Kind.MEMORY_LIMIT) {
        message = message + " (memory is at its limit of " + memory.maximumPages() + " pages)";
      }
    } else {
      kind = Kind.HOST_ERROR;
      message = t.toString();
    }
    return new PluginFailureException(kind, pluginLabel(), callback, message, t);
  }

  private static boolean has(Throwable t, Class<? extends Throwable> type) {
    return find(t, type) != null;
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }

  private void ensureUsable(String callback) {
    if (closed) {
      throw new IllegalStateException("VM " + label + " is closed");
    }
    if (failState != FailState.OK && !starting) {
      throw new PluginFailureException(Kind.VM_FAILED, pluginLabel(), callback,
          "the VM has failed (" + failState + ")", null);
    }
  }

  /**
   * Calls the plugin's allocator (from inside a host call). Returns the block's address, or 0 when the allocator
   * returned 0 or a block outside linear memory.
   */
  long allocate(int size) {
    Callback alloc = shape.allocator();
    long[] args = argsOf(1);
    args[0] = size;
    long[] r = invokeExport(alloc.exportName(), exports[alloc.ordinal()], effective, services.callTimeoutNanos(), args);
    long ptr = r == null || r.length == 0 ? 0 : GuestMemory.unsigned(r[0]);
    if (ptr == 0 || ptr + size > memory.sizeBytes()) {
      LOG.debug("Wasm VM {}: allocator returned {} for {} bytes", label, ptr, size);
      return 0;
    }
    return ptr;
  }

  /** Closes a context as cpp-host does: on_done, then on_delete (a root that says "not done" waits for proxy_done). */
  public void close(ContextState ctx) {
    close(ctx, false);
  }

  /**
   * Ends a stream context as Envoy ends an HTTP stream: on_done, on_log (the stream is complete; its headers and
   * properties are still readable), then on_delete.
   */
  public void closeWithLog(ContextState ctx) {
    close(ctx, true);
  }

  private void close(ContextState ctx, boolean log) {
    if (ctx.closed) {
      return;
    }
    if (closed || failState != FailState.OK) {
      forget(ctx); // a failed VM runs no more plugin code (Envoy just destroys its contexts)
      return;
    }
    if (ctx.kind == ContextState.Kind.ROOT) {
      cancelTick(ctx);
      long done = invoke(ctx, Callback.ON_DONE, 1, ctx.id);
      if (done == 0) {
        // cpp-host's startShutdown: the root leaves the plugin's slot at once (a new root with the same root_id may
        // start) and lives on, only for proxy_done, until the plugin calls it or the VM closes.
        ctx.pendingDone = true;
        if (rootsByRootId.get(ctx.plugin.rootId()) == ctx) {
          rootsByRootId.remove(ctx.plugin.rootId());
        }
        LOG.debug("Wasm VM {}: plugin '{}' is not done yet (proxy_on_done returned false); waiting for proxy_done",
            label, ctx.plugin.name());
        return;
      }
    } else {
      invoke(ctx, Callback.ON_DONE, 1, ctx.id);
      if (log) {
        invoke(ctx, Callback.ON_LOG, 0, ctx.id);
      }
    }
    delete(ctx);
  }

  void delete(ContextState ctx) {
    try {
      invoke(ctx, Callback.ON_DELETE, 0, ctx.id);
    } finally {
      forget(ctx);
    }
  }

  private void forget(ContextState ctx) {
    ctx.closed = true;
    cancelTick(ctx);
    contexts.remove(ctx.id);
    if (ctx.kind == ContextState.Kind.ROOT && rootsByRootId.get(ctx.plugin.rootId()) == ctx) {
      rootsByRootId.remove(ctx.plugin.rootId());
    }
  }

  static void cancelTick(ContextState ctx) {
    if (ctx.tick != null) {
      ctx.tick.cancel(false);
      ctx.tick = null;
    }
  }

  ContextState context(int id) {
    return contexts.get(id);
  }

  int nextToken() {
    return ++lastToken;
  }

  /**
   * Runs a plugin callback later on the VM's thread (timers, call responses, queue notifications). Failures are
   * logged; the VM is failed by {@link #invoke} already.
   */
  void runLater(String what, Runnable task) {
    try {
      host.executor().execute(() -> {
        if (closed || failState != FailState.OK) {
          return;
        }
        try {
          task.run();
        } catch (PluginFailureException e) {
          LOG.debug("Wasm VM {}: {} failed: {}", label, what, e.getMessage());
        }
      });
    } catch (RejectedExecutionException shutDown) {
      LOG.debug("Wasm VM {}: executor rejected {}", label, what);
    }
  }

  public FailState failState() {
    return failState;
  }

  public boolean closed() {
    return closed;
  }

  public AbiVersion abi() {
    return shape.abi();
  }

  public long memorySizeBytes() {
    return memory.sizeBytes();
  }

  public String vmId() {
    return config.vmId();
  }

  public VmHost host() {
    return host;
  }

  /**
   * Envoy's capability_restriction_config: with a non-empty allow list only the named proxy_* / envoy_* host
   * functions, WASI functions and callbacks work. Allocators, start functions and the emscripten helpers always do.
   */
  public boolean capabilityAllowed(String name) {
    if (config.allowedCapabilities().isEmpty() || name.equals("pthread_equal")
        || name.equals("emscripten_notify_memory_growth")) {
      return true;
    }
    return config.allowedCapabilities().contains(name);
  }

  /** The environment WASI shows the plugin (VmConfig only). */
  public Map<String, String> environment() {
    return config.environment();
  }

  /** Runs when the VM closes (e.g. flushing partial WASI output lines). */
  public void onClose(Runnable hook) {
    closeHooks.add(hook);
  }

  /** The plugin the VM is serving right now (the VM's label outside callbacks), for logs. */
  public String currentPluginName() {
    return pluginLabel();
  }

  /** The plugin the VM is serving right now, for logs and errors. */
  String pluginLabel() {
    ContextState ctx = effective;
    return ctx != null ? ctx.plugin.name() : label;
  }

  String currentCallName() {
    return currentCall;
  }

  /** Releases the VM without calling plugin code: timers, calls and queue registrations are dropped. */
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    services.watchdog().unwatch(guard);
    for (ContextState ctx : contexts.values()) {
      cancelTick(ctx);
      ctx.closed = true;
    }
    contexts.clear();
    rootsByRootId.clear();
    for (GrpcFunctions.Call call : grpcCalls.values()) {
      call.stream().cancel();
    }
    grpcCalls.clear();
    httpCalls.clear();
    queueOwnerships.forEach((id, owner) -> services.sharedQueues().unregister(id, owner));
    queueOwnerships.clear();
    for (Runnable hook : closeHooks) {
      hook.run();
    }
  }
}
