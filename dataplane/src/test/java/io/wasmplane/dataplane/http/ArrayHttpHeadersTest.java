package io.wasmplane.dataplane.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ArrayHttpHeadersTest {
  private static final List<CharSequence> NAMES = List.of("Host", "host", "X-A", "x-a", "x-b", "Content-Length",
      HttpHeaderNames.CONTENT_LENGTH, "Transfer-Encoding", HttpHeaderNames.CONNECTION, "cookie",
      "x-c-a", "X-Q-A", new AsciiString("x-q-a")); // the last three share a lookup signature (length, first, last)
  private static final List<String> VALUES = List.of("1", "chunked", "close", "a, b", "Keep-Alive", "", "x y");

  /** The same random operations on Netty's map and ours: every lookup answers the same (order aside for set). */
  @Test
  void answersLikeNettysHeaderMapUnderRandomOperations() {
    Random random = new Random(42);
    for (int round = 0; round < 100; round++) {
      HttpHeaders netty = new DefaultHttpHeaders();
      ArrayHttpHeaders ours = new ArrayHttpHeaders(2);
      for (int op = 0; op < 30; op++) {
        CharSequence name = NAMES.get(random.nextInt(NAMES.size()));
        String value = VALUES.get(random.nextInt(VALUES.size()));
        switch (random.nextInt(8)) {
          case 0, 1 -> {
            netty.add(name, value);
            ours.add(name, value);
          }
          case 2 -> {
            netty.set(name, value);
            ours.set(name, value);
          }
          case 3 -> {
            netty.remove(name);
            ours.remove(name);
          }
          case 4 -> {
            netty.set(name, List.of(value, value + "2"));
            ours.set(name, List.of(value, value + "2"));
          }
          case 5 -> {
            netty.addInt(name, op);
            ours.addInt(name, op);
          }
          case 6 -> {
            netty = netty.copy();
            ours = (ArrayHttpHeaders) ours.copy(); // the copy answers lookups as the original did
          }
          default -> {
            HttpHeaders n = new DefaultHttpHeaders().add(netty);
            netty = n;
            ArrayHttpHeaders o = new ArrayHttpHeaders(1);
            o.add(ours); // entries copied with their names' hashes
            ours = o;
          }
        }
        for (CharSequence n : NAMES) {
          assertThat(ours.contains(n)).as("contains %s", n).isEqualTo(netty.contains(n));
          assertThat(ours.getAll(n)).as("getAll %s", n).isEqualTo(netty.getAll(n));
          assertThat(ours.get(n)).as("get %s", n).isEqualTo(netty.get(n));
          assertThat(ours.containsValue(n, "close", true)).isEqualTo(netty.containsValue(n, "close", true));
          assertThat(ours.contains(n, "CLOSE", true)).isEqualTo(netty.contains(n, "CLOSE", true));
        }
        assertThat(ours.size()).isEqualTo(netty.size());
        assertThat(lowerNames(ours)).containsExactlyInAnyOrderElementsOf(lowerNames(netty));
      }
    }
  }

  private static List<String> lowerNames(HttpHeaders h) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, String> e : h) {
      out.add(e.getKey().toLowerCase(Locale.ROOT) + "=" + e.getValue());
    }
    return out;
  }

  /** Every pair of name types compares by ASCII case folding only: no Unicode look-alike matches a token. */
  @Test
  void namesCompareByAsciiCaseFoldingWhateverTheirTypes() {
    List<CharSequence> forms = List.of("x-Request-Id", "X-REQUEST-ID", new AsciiString("x-request-id"),
        new AsciiString("X-Request-id"), new StringBuilder("x-request-ID"));
    for (CharSequence a : forms) {
      for (CharSequence b : forms) {
        assertThat(ArrayHttpHeaders.nameEquals(a, b)).as("%s vs %s", a, b).isTrue();
      }
    }
    for (CharSequence a : forms) {
      // Java's equalsIgnoreCase would match these: dotless i (U+0131) and the Kelvin sign (U+212A) fold to ASCII.
      assertThat(ArrayHttpHeaders.nameEquals(a, "x-request-\u0131d")).isFalse();
      assertThat(ArrayHttpHeaders.nameEquals(a, "x-request-ie")).isFalse();
      assertThat(ArrayHttpHeaders.nameEquals(a, "x-request-i")).isFalse();
      // '-' | 0x20 is '-', '\r' | 0x20 is '-': only letters fold.
      assertThat(ArrayHttpHeaders.nameEquals(a, "x\rrequest-id")).isFalse();
    }
    assertThat(ArrayHttpHeaders.nameEquals("k", "\u212a")).isFalse();
    ArrayHttpHeaders h = new ArrayHttpHeaders();
    h.add(new AsciiString("Keep-Alive"), "timeout=5");
    assertThat(h.get("KEEP-ALIVE")).isEqualTo("timeout=5");
    assertThat(h.nameAt(0)).hasToString("keep-alive");
  }

  @Test
  void setReplacesTheFirstEntryInPlaceAndDropsTheRest() {
    ArrayHttpHeaders h = new ArrayHttpHeaders();
    h.add("a", "1").add("X-Forwarded-For", "9.9.9.9").add("b", "2").add("x-forwarded-for", "8.8.8.8");
    h.set("x-forwarded-for", "1.2.3.4");
    assertThat(h.entries()).extracting(Map.Entry::getKey).containsExactly("a", "x-forwarded-for", "b");
    assertThat(h.get("X-FORWARDED-FOR")).isEqualTo("1.2.3.4");
    assertThat(h.getJoined("A")).isEqualTo("1");
    h.add("A", "3");
    assertThat(h.getJoined("a")).isEqualTo("1,3");
    assertThat(h.getJoined("missing")).isNull();
  }

  @Test
  void namesAreStoredInLowerCaseAsEnvoysCodecsStoreThem() {
    ArrayHttpHeaders h = new ArrayHttpHeaders();
    AsciiString lower = AsciiString.cached("x-lower");
    h.add("Content-Type", "text/plain").add(new AsciiString("X-Request-ID"), "1").add(lower, "2");
    h.set("SERVER", "envoy");
    assertThat(h.entries()).extracting(Map.Entry::getKey).containsExactly("content-type", "x-request-id", "x-lower", "server");
    assertThat(h.nameAt(2)).isSameAs(lower); // already lower case: no copy
    assertThat(h.nameAt(0)).isSameAs(HttpHeaderNames.CONTENT_TYPE); // a common name: the shared constant, no copy
    h.add("X-Very-Long-Header-Name-Longer-Than-Any-Common-One", "v");
    assertThat(h.get("x-very-long-header-name-longer-than-any-common-one")).isEqualTo("v");
    assertThat(h.nameAt(h.size() - 1).toString()).isEqualTo("x-very-long-header-name-longer-than-any-common-one");
    assertThat(h.get("content-TYPE")).isEqualTo("text/plain");
  }

  @Test
  void iteratorRemoveDropsTheEntryJustReturned() {
    ArrayHttpHeaders h = new ArrayHttpHeaders();
    h.add("a", "1").add("b", "2").add("c", "3");
    Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence();
    while (it.hasNext()) {
      if (it.next().getKey().equals("b")) {
        it.remove();
      }
    }
    assertThat(h.names()).containsExactly("a", "c");
    assertThat(h.copy().get("c")).isEqualTo("3");
  }

  @Test
  void namesMustBeTokensAndValuesFreeOfControlCharacters() {
    ArrayHttpHeaders h = new ArrayHttpHeaders();
    assertThatThrownBy(() -> h.add("bad name", "v")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("token");
    assertThatThrownBy(() -> h.add("", "v")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> h.set("x", "a\r\nInjected: 1")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0xd");
    assertThatThrownBy(() -> h.add(new AsciiString("na\u00e9me"), "v")).isInstanceOf(IllegalArgumentException.class);
    // decoders hand over slices of their buffers: only the slice is the name
    byte[] line = "[bad name][X-Ok]".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> h.add(new AsciiString(line, 1, 8, false), "v")).isInstanceOf(IllegalArgumentException.class);
    h.add(new AsciiString(line, 11, 4, false), "slice");
    h.add("ok", "tab\tand obs-text \u00e9 are fine");
    assertThat(h.size()).isEqualTo(2);
    assertThat(h.get("x-ok")).isEqualTo("slice");
    assertThat(h.nameAt(0).toString()).isEqualTo("x-ok");
  }

  @Test
  void nettysHttpUtilReadsFramingFromIt() {
    ArrayHttpHeaders h = new ArrayHttpHeaders();
    h.add("Transfer-Encoding", "gzip, chunked").add("connection", "Close").addInt("content-length", 12);
    assertThat(h.containsValue(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED, true)).isTrue();
    assertThat(h.getInt(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo(12);
    assertThat(h.getInt("connection", -1)).isEqualTo(-1); // not a number
    assertThat(h.getShort("content-length", (short) 0)).isEqualTo((short) 12);
    assertThat(h.add("date", "Sun, 06 Nov 1994 08:49:37 GMT").getTimeMillis("Date")).isEqualTo(784111777000L);
    assertThat(h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true)).isTrue();
    assertThat(HttpUtil.normalizeAndGetContentLength(h.getAll(HttpHeaderNames.CONTENT_LENGTH), false, false))
        .isEqualTo(12L);
  }
}
