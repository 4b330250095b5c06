package io.wasmplane.dataplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Envoy's PathUtil transformations (canonicalPath, mergeSlashes, unescapeSlashes) on request targets. */
class UrlPathsTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "/a/./b/../c        | /a/c",
      "/xyz/.             | /xyz/",
      "/xyz/..            | /",
      "/xyz/../           | /",
      "/xyz/abc/../..     | /",
      "/./xyz             | /xyz",
      "/../xyz            | /xyz",
      "/../../..          | /",
      "/xyz/./abc         | /xyz/abc",
      "/%2e/xyz           | /xyz",
      "/%2E%2e/xyz        | /xyz",
      "/xyz/%2e%2E/abc    | /abc",
      "/..a/.b/c..        | /..a/.b/c..",
      "/a\\b\\..\\c       | /a/c",
      "/%41%7a%30%2D%5F%7E| /Az0-_~",
      "/a%2fb%2F          | /a%2fb%2F",
      "/%3a%3A%25%3f      | /%3a%3A%25%3f",
      "/a b\"<>^`{}       | /a%20b%22%3C%3E%5E%60%7B%7D",
      "/[@]!$&'()*+,;=:   | /[@]!$&'()*+,;=:",
      "/100%              | /100%",
      "/%zz%4             | /%zz%4",
      "//a//b             | //a//b",
      "/a/../b?x=/../y    | /b?x=/../y",
      "/a?%2e             | /a?%2e",
      "/static/app.min.js | /static/app.min.js",
      "/a.b/.c            | /a.b/.c",
      "/a.b/./c           | /a.b/c",
  })
  void canonicalizesAsEnvoy(String in, String expected) {
    assertThat(UrlPaths.canonicalize(in)).isEqualTo(expected);
  }

  @Test
  void highBytesAreEscapedAndNulIsInvalid() {
    assertThat(UrlPaths.canonicalize("/caf\u00e9")).isEqualTo("/caf%E9"); // one request-line byte per char
    assertThat(UrlPaths.canonicalize("/a/%00/b")).isNull();
    assertThat(UrlPaths.canonicalize("/a/\u0000")).isNull();
    assertThat(UrlPaths.canonicalize("/a\u0001|\u007f")).isEqualTo("/a%01%7C%7F");
  }

  @Test
  void anEscapeNestedInAnInvalidOneIsNotCreated() {
    // "%%30%30" would read as "%00" once "%30" decodes to '0': the first '%' becomes "%25" instead.
    assertThat(UrlPaths.canonicalize("/%%30%30")).isEqualTo("/%2500");
  }

  @Test
  void mergesSlashesInThePathOnly() {
    assertThat(UrlPaths.mergeSlashes("//a//b///c/")).isEqualTo("/a/b/c/");
    assertThat(UrlPaths.mergeSlashes("/a//b?x=//y")).isEqualTo("/a/b?x=//y");
    assertThat(UrlPaths.mergeSlashes("/a/b?x=//y")).isEqualTo("/a/b?x=//y");
  }

  @Test
  void unescapesSlashesAndBackslashesInThePathOnly() {
    assertThat(UrlPaths.unescapeSlashes("/a%2Fb%2fc%5Cd%5ce?q=%2F")).isEqualTo("/a/b/c\\d\\e?q=%2F");
    assertThat(UrlPaths.unescapeSlashes("/a%41")).isEqualTo("/a%41");
  }

  @Test
  void normalizationRunsInEnvoysOrder() {
    PathNormalization all = new PathNormalization(true, true, PathNormalization.EscapedSlashes.UNESCAPE_AND_FORWARD);
    // %2F unescaped first, then "/.." removes "b", then "//" merges.
    assertThat(all.normalize("/a//b%2F..%2Fc")).isEqualTo(new PathNormalization.Outcome(PathNormalization.Action.CONTINUE, "/a/c"));
    PathNormalization redirect = new PathNormalization(true, false, PathNormalization.EscapedSlashes.UNESCAPE_AND_REDIRECT);
    assertThat(redirect.normalize("/a%2Fb")).isEqualTo(new PathNormalization.Outcome(PathNormalization.Action.REDIRECT, "/a/b"));
    assertThat(redirect.normalize("/a/b")).isEqualTo(new PathNormalization.Outcome(PathNormalization.Action.CONTINUE, "/a/b"));
    PathNormalization reject = new PathNormalization(false, false, PathNormalization.EscapedSlashes.REJECT_REQUEST);
    assertThat(reject.normalize("/a%5cb").action()).isEqualTo(PathNormalization.Action.REJECT);
    assertThat(reject.normalize("/a/b?x=%2F").action()).isEqualTo(PathNormalization.Action.CONTINUE);
    assertThat(new PathNormalization(true, false, PathNormalization.EscapedSlashes.KEEP_UNCHANGED).normalize("/%00").action())
        .isEqualTo(PathNormalization.Action.REJECT);
    assertThat(new PathNormalization(false, true, PathNormalization.EscapedSlashes.KEEP_UNCHANGED).normalize("/a#b").action())
        .isEqualTo(PathNormalization.Action.REJECT);
    assertThat(PathNormalization.OFF.enabled()).isFalse();
  }
}
