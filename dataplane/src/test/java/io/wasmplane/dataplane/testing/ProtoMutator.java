package io.wasmplane.dataplane.testing;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One random mutation of a valid protobuf message, deep in its tree: clear a field, flip a bool, an extreme or random
 * number, a random enum value (unknown numbers too), a random string, drop or duplicate a repeated element, and for an
 * {@link Any}: a truncated payload, another type URL, or a mutation inside the packed message (for the types given).
 * Strings of address-like fields only take loopback values so a mutated config never sends traffic (or DNS queries)
 * off the machine.
 */
public final class ProtoMutator {
  private static final Set<String> KEEP_AT_TOP = Set.of("name"); // the resource's identity: renaming is a delete
  private static final String[] ADDRESSES = {"127.0.0.1", "127.0.0.2", "::1", "localhost", ""};
  private static final long[] LONGS = {0, 1, -1, 2, 65535, 65536, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE,
      315_576_000_000L, 999_999_999L, 1_000_000_000L};

  private final Random random;
  private final Map<String, Descriptor> packed;

  /** {@code packedTypes}: the message types whose Any payloads the mutator may open (e.g. HttpConnectionManager). */
  public ProtoMutator(Random random, List<Descriptor> packedTypes) {
    this.random = random;
    this.packed = packedTypes.stream().collect(Collectors.toMap(d -> "type.googleapis.com/" + d.getFullName(), Function.identity()));
  }

  /** A copy of {@code resource} with one mutation (its top-level name kept); {@code what} gets a description. */
  @SuppressWarnings("unchecked")
  public <T extends Message> T mutate(T resource, StringBuilder what) {
    return (T) mutate(resource, 0, what.append(resource.getDescriptorForType().getName()));
  }

  private Message mutate(Message msg, int depth, StringBuilder what) {
    if (msg instanceof Any any && random.nextInt(3) > 0) {
      return mutateAny(any, depth, what);
    }
    Message.Builder b = msg.toBuilder();
    List<FieldDescriptor> fields = new ArrayList<>(b.getAllFields().keySet());
    if (depth == 0) {
      fields.removeIf(f -> KEEP_AT_TOP.contains(f.getName()));
    }
    if (fields.isEmpty()) {
      what.append(" (nothing to mutate)");
      return msg;
    }
    FieldDescriptor f = fields.get(random.nextInt(fields.size()));
    what.append('.').append(f.getName());
    boolean isMessage = f.getJavaType() == FieldDescriptor.JavaType.MESSAGE;
    if (f.isRepeated()) {
      int n = b.getRepeatedFieldCount(f);
      int i = random.nextInt(n);
      what.append('[').append(i).append(']');
      int action = random.nextInt(10);
      if (action == 0) {
        what.append(" cleared");
        b.clearField(f);
      } else if (action == 1 && !f.isMapField()) {
        what.append(" duplicated");
        b.addRepeatedField(f, b.getRepeatedField(f, i));
      } else if (isMessage && depth < 12) {
        b.setRepeatedField(f, i, mutate((Message) b.getRepeatedField(f, i), depth + 1, what));
      } else if (!isMessage) {
        b.setRepeatedField(f, i, randomScalar(f, b.getRepeatedField(f, i), what));
      } else {
        what.append(" cleared");
        b.clearField(f);
      }
      return b.build();
    }
    if (random.nextInt(8) == 0) {
      what.append(" cleared");
      b.clearField(f);
    } else if (isMessage && depth < 12) {
      b.setField(f, mutate((Message) b.getField(f), depth + 1, what));
    } else if (isMessage) {
      what.append(" cleared");
      b.clearField(f);
    } else {
      b.setField(f, randomScalar(f, b.getField(f), what));
    }
    return b.build();
  }

  private Message mutateAny(Any any, int depth, StringBuilder what) {
    Descriptor type = packed.get(any.getTypeUrl());
    int action = random.nextInt(type == null ? 2 : 6);
    if (action == 0 && !any.getValue().isEmpty()) {
      int keep = random.nextInt(any.getValue().size());
      what.append(" Any truncated to ").append(keep).append(" bytes");
      return any.toBuilder().setValue(any.getValue().substring(0, keep)).build();
    }
    if (action == 1) {
      String url = random.nextBoolean() ? "type.googleapis.com/no.such.Type" : "type.googleapis.com/google.protobuf.StringValue";
      what.append(" Any type_url -> ").append(url);
      return any.toBuilder().setTypeUrl(url).build();
    }
    if (type == null) {
      return any;
    }
    try {
      DynamicMessage inner = DynamicMessage.parseFrom(type, any.getValue());
      what.append(" <").append(type.getName()).append('>');
      Message mutated = mutate(inner, depth + 1, what);
      return any.toBuilder().setValue(mutated.toByteString()).build();
    } catch (InvalidProtocolBufferException e) {
      return any;
    }
  }

  private Object randomScalar(FieldDescriptor f, Object current, StringBuilder what) {
    Object v = switch (f.getJavaType()) {
      case BOOLEAN -> !(Boolean) current;
      case INT -> (int) LONGS[random.nextInt(LONGS.length)] + (random.nextInt(4) == 0 ? random.nextInt() : 0);
      case LONG -> LONGS[random.nextInt(LONGS.length)];
      case FLOAT -> new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY, 1e30f, 0.5f}[random.nextInt(6)];
      case DOUBLE -> new double[] {0d, -1d, Double.NaN, Double.NEGATIVE_INFINITY, 1e300, 100.5}[random.nextInt(6)];
      case STRING -> randomString(f);
      case BYTE_STRING -> {
        byte[] bytes = new byte[random.nextInt(64)];
        random.nextBytes(bytes);
        yield ByteString.copyFrom(bytes);
      }
      case ENUM -> {
        int n = random.nextInt(4) == 0 ? 1000 + random.nextInt(1000) : random.nextInt(Math.max(1, f.getEnumType().getValues().size() + 1));
        yield f.getEnumType().isClosed() ? f.getEnumType().getValues().get(random.nextInt(f.getEnumType().getValues().size()))
            : f.getEnumType().findValueByNumberCreatingIfUnknown(n);
      }
      case MESSAGE -> current;
    };
    what.append(" = ").append(String.valueOf(v).length() > 40 ? String.valueOf(v).substring(0, 40) + "..." : v);
    return v;
  }

  private String randomString(FieldDescriptor f) {
    String name = f.getName();
    if (name.contains("address") || name.contains("host") || name.contains("uri") || name.contains("url")) {
      return ADDRESSES[random.nextInt(ADDRESSES.length)];
    }
    return switch (random.nextInt(7)) {
      case 0 -> "";
      case 1 -> "x".repeat(10_000 + random.nextInt(60_000));
      case 2 -> "\u0000\u0001\r\n\t";
      case 3 -> "Ünïcødé ☃ " + random.nextInt(100);
      case 4 -> "/" + random.nextInt(1000);
      case 5 -> "*";
      default -> Long.toHexString(random.nextLong());
    };
  }
}
