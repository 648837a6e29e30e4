"""References and what Docker's reference parser (github.com/distribution/reference, ``ParseNormalizedNamed``)
makes of them: the inputs and expected outputs of its public test tables (reference_test.go, normalize_test.go at
0965666a6ade), written here as data. Facts, not code: the test that reads them is this project's.

Two deliberate differences, each with its reason, are kept out of the table and tested on their own:
``sha512:`` digests are accepted here (distribution/reference's own test build registers sha256 only; Docker and
containerd register sha512), and ``registry-1.docker.io`` reads as Docker Hub (the host a cache rule names).
"""

from __future__ import annotations

from typing import NamedTuple, Optional

F64 = "f" * 64
SHA = "sha256:" + F64


class Valid(NamedTuple):
    written: str
    domain: str
    path: str
    tag: Optional[str] = None
    digest: Optional[str] = None


VALID = [
    # TestReferenceParse, normalised (a one-component name is an official Docker Hub image)
    Valid("test_com", "docker.io", "library/test_com"),
    Valid("test.com:tag", "docker.io", "library/test.com", "tag"),
    Valid("test.com:5000", "docker.io", "library/test.com", "5000"),
    Valid("test.com/repo:tag", "test.com", "repo", "tag"),
    Valid("test:5000/repo", "test:5000", "repo"),
    Valid("test:5000/repo:tag", "test:5000", "repo", "tag"),
    Valid(f"test:5000/repo@{SHA}", "test:5000", "repo", None, SHA),
    Valid(f"test:5000/repo:tag@{SHA}", "test:5000", "repo", "tag", SHA),
    Valid("lowercase:Uppercase", "docker.io", "library/lowercase", "Uppercase"),
    Valid("a/" * 127 + "a:tag-puts-this-over-max", "docker.io", "a/" * 127 + "a", "tag-puts-this-over-max"),
    Valid("sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", "bar/baz/quux"),
    Valid("sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux", "some-long-tag"),
    Valid(
        "b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app", "test.example.com"
    ),
    Valid("xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com"),
    Valid(f"xn--7o8h.com/myimage:xn--7o8h.com@{SHA}", "xn--7o8h.com", "myimage", "xn--7o8h.com", SHA),
    Valid("foo_bar.com:8080", "docker.io", "library/foo_bar.com", "8080"),
    Valid("foo/foo_bar.com:8080", "docker.io", "foo/foo_bar.com", "8080"),
    Valid("192.168.1.1", "docker.io", "library/192.168.1.1"),
    Valid("192.168.1.1:tag", "docker.io", "library/192.168.1.1", "tag"),
    Valid("192.168.1.1:5000", "docker.io", "library/192.168.1.1", "5000"),
    Valid("192.168.1.1/repo", "192.168.1.1", "repo"),
    Valid("192.168.1.1:5000/repo", "192.168.1.1:5000", "repo"),
    Valid("192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", "5050"),
    Valid("[2001:db8::1]/repo", "[2001:db8::1]", "repo"),
    Valid("[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", "tag"),
    Valid("[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "repo"),
    Valid("[2001:db8::1]:5000/repo:tag", "[2001:db8::1]:5000", "repo", "tag"),
    Valid(f"[2001:db8::1]:5000/repo@{SHA}", "[2001:db8::1]:5000", "repo", None, SHA),
    Valid(f"[2001:db8::1]:5000/repo:tag@{SHA}", "[2001:db8::1]:5000", "repo", "tag", SHA),
    Valid("[2001:db8::]:5000/repo", "[2001:db8::]:5000", "repo"),
    Valid("[::1]:5000/repo", "[::1]:5000", "repo"),
    Valid("example.com/" + "a" * 255 + ":tag", "example.com", "a" * 255, "tag"),  # the path alone counts
    # TestValidateReferenceName, TestValidateRemoteName
    Valid("docker/docker", "docker.io", "docker/docker"),
    Valid("library/debian", "docker.io", "library/debian"),
    Valid("debian", "docker.io", "library/debian"),
    Valid("localhost/library/debian", "localhost", "library/debian"),
    Valid("localhost/debian", "localhost", "debian"),
    Valid("LOCALDOMAIN/library/debian", "LOCALDOMAIN", "library/debian"),
    Valid("LOCALDOMAIN/debian", "LOCALDOMAIN", "debian"),
    Valid("docker.io/docker/docker", "docker.io", "docker/docker"),
    Valid("docker.io/library/debian", "docker.io", "library/debian"),
    Valid("docker.io/debian", "docker.io", "library/debian"),
    Valid("index.docker.io/docker/docker", "docker.io", "docker/docker"),
    Valid("index.docker.io/library/debian", "docker.io", "library/debian"),
    Valid("index.docker.io/debian", "docker.io", "library/debian"),
    Valid("127.0.0.1:5000/docker/docker", "127.0.0.1:5000", "docker/docker"),
    Valid("127.0.0.1:5000/library/debian", "127.0.0.1:5000", "library/debian"),
    Valid("127.0.0.1:5000/debian", "127.0.0.1:5000", "debian"),
    Valid("192.168.0.1", "docker.io", "library/192.168.0.1"),
    Valid("192.168.0.1:80", "docker.io", "library/192.168.0.1", "80"),
    Valid("192.168.0.1:8/debian", "192.168.0.1:8", "debian"),
    Valid("192.168.0.2:25000/debian", "192.168.0.2:25000", "debian"),
    Valid(
        "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
        "docker.io",
        "library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
    ),
    Valid("[fc00::1]:5000/docker", "[fc00::1]:5000", "docker"),
    Valid("[fc00::1]:5000/docker/docker", "[fc00::1]:5000", "docker/docker"),
    Valid("[fc00:1:2:3:4:5:6:7]:5000/library/debian", "[fc00:1:2:3:4:5:6:7]:5000", "library/debian"),
    Valid("docker.io/" + "1a3f5e7d9c1b3a5f" * 4, "docker.io", "library/" + "1a3f5e7d9c1b3a5f" * 4),  # a host: a name
    Valid("Docker/docker", "Docker", "docker"),
    Valid("DOCKER/docker", "DOCKER", "docker"),
    Valid("docker-rules/docker", "docker.io", "docker-rules/docker"),
    Valid("docker---rules/docker", "docker.io", "docker---rules/docker"),
    Valid("doc/docker", "docker.io", "doc/docker"),
    Valid("d/docker", "docker.io", "d/docker"),
    Valid("jess/t", "docker.io", "jess/t"),
    Valid("dock__er/docker", "docker.io", "dock__er/docker"),
    # TestNormalizedSplitHostname, TestParseDockerRef
    Valid("test.com/foo", "test.com", "foo"),
    Valid("test_com/foo", "docker.io", "test_com/foo"),
    Valid("docker/migrator", "docker.io", "docker/migrator"),
    Valid("test.com:8080/foo", "test.com:8080", "foo"),
    Valid("test-com:8080/foo", "test-com:8080", "foo"),
    Valid("foo", "docker.io", "library/foo"),
    Valid("xn--n3h.com/foo", "xn--n3h.com", "foo"),
    Valid("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo"),
    Valid("docker.io/foo", "docker.io", "library/foo"),
    Valid("docker.io/library/foo", "docker.io", "library/foo"),
    Valid("docker.io/library/foo/bar", "docker.io", "library/foo/bar"),
    Valid("busybox", "docker.io", "library/busybox"),
    Valid("busybox:latest", "docker.io", "library/busybox", "latest"),
    Valid(f"busybox@{SHA}", "docker.io", "library/busybox", None, SHA),
    Valid("library/busybox:latest", "docker.io", "library/busybox", "latest"),
    Valid("gcr.io/library/busybox", "gcr.io", "library/busybox"),
    Valid(f"gcr.io/library/busybox:latest@{SHA}", "gcr.io", "library/busybox", "latest", SHA),
]

# (written, what the error says)
INVALID = [
    ("", "empty"),
    (":justtag", "not a valid name"),
    (f"@{SHA}", "not a valid name"),
    ("repo@sha256:" + "f" * 34, "digest"),
    (f"validname@invaliddigest:{F64}", "digest"),
    ("Uppercase:tag", "lower case"),
    ("test:5000/Uppercase/lowercase:tag", "lower case"),
    ("domain/" + "a" * 256 + ":tag", "longer than 255"),
    ("aa/asdf$$^/aa", "not a valid name"),
    ("[2001:db8::1]", "is not valid"),
    ("[2001:db8::1]:5000", "not a valid name"),
    ("[2001:db8::1]:tag", "not a valid name"),
    ("[fe80::1%eth0]:5000/repo", "not a valid registry host"),
    ("[fe80::1%@invalidzone]:5000/repo", "digest"),
    ("https://github.com/docker/docker", "not a valid"),
    ("docker/Docker", "lower case"),
    ("-docker", "not a valid name"),
    ("-docker/docker", "not a valid name"),
    ("-docker.io/docker/docker", "not a valid registry host"),
    ("docker///docker", "not a valid name"),
    ("docker.io/docker/Docker", "lower case"),
    ("docker.io/docker///docker", "not a valid name"),
    ("[fc00::1]", "is not valid"),
    ("[fc00::1]:5000", "not a valid name"),
    ("fc00::1:5000/debian", "not a valid registry host"),
    ("[fe80::1%eth0]:5000/debian", "not a valid registry host"),
    ("[2001:db8:3:4::192.0.2.33]:5000/debian", "not a valid registry host"),
    ("1a3f5e7d9c1b3a5f" * 4, "64 hexadecimal characters"),
    ("docker-/docker", "not a valid name"),
    ("-docker-/docker", "not a valid name"),
    ("____/____", "not a valid name"),
    ("_docker/_docker", "not a valid name"),
    ("dock..er/docker", "not a valid registry host"),
    ("dock_.er/docker", "not a valid registry host"),
    ("dock-.er/docker", "not a valid registry host"),
    ("docker/", "not a valid name"),
    (
        "_".join(["this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255"] * 4) + "/docker",
        "longer than 255",
    ),
    # nothing trimmed (distribution/reference trims nothing either)
    (" nginx", "white space around it"),
    ("nginx ", "white space around it"),
    ("nginx:1.27\n", "white space around it"),
    ("ngi nx", "contains white space"),
]
