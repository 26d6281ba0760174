"""Layer replay: OCI whiteouts, and hostile layers (traversal, escaping links, bombs, corruption)."""

from __future__ import annotations

import gzip
import json

import pytest

from shipit.core.errors import ShipitError
from shipit.images.layout import OciLayout
from shipit.sbom.catalog import wanted
from shipit.sbom.replay import replay_layers
from shipit.sbom.scan import scan_image

from .conftest import TS, load, validate
from .ocitools import Blob, entries_layer, write_layout

META = "Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"


def meta(name, version="1.0"):
    return META.format(name=name, version=version)


def dist(site, name, version="1.0"):
    return ("file", f"{site}/{name}-{version}.dist-info/METADATA", meta(name, version))


def replay(tmp_path, layers, **kw):
    archive = tmp_path / "img.oci.tar"
    write_layout(archive, layers)
    warnings = []
    with OciLayout(archive) as layout:
        fs = replay_layers(layout, layout.image(), wanted, warn=warnings.append, **kw)
    return fs, warnings


def names(tmp_path, layers):
    archive = tmp_path / "img.oci.tar"
    write_layout(archive, layers)
    warnings = []
    result = scan_image(archive, name="t", version="1", timestamp=TS, warn=warnings.append)
    validate(result.document)
    return sorted(p.name for p in result.packages), warnings


S = "usr/lib/python3/site-packages"


def test_whiteout_removes_lower_file_and_directory(tmp_path):
    base = entries_layer([("dir", S), dist(S, "keep"), dist(S, "gone"), dist(S, "dirgone")])
    upper = entries_layer([("file", f"{S}/.wh.gone-1.0.dist-info", ""),
                           ("file", f"{S}/dirgone-1.0.dist-info/.wh.METADATA", "")], gz=True)
    got, warnings = names(tmp_path, [base, upper])
    assert got == ["keep"] and warnings == []


def test_opaque_directory_hides_lower_layers_but_not_its_own_entries(tmp_path):
    base = entries_layer([dist(S, "old"), dist("opt/other", "elsewhere")])
    upper = entries_layer([dist(S, "new"), ("file", f"{S}/.wh..wh..opq", "")])  # marker after the entry
    got, _ = names(tmp_path, [base, upper])
    assert got == ["elsewhere", "new"]


def test_whiteout_then_recreate_in_a_later_layer(tmp_path):
    l1 = entries_layer([dist(S, "pkg", "1.0")])
    l2 = entries_layer([("file", f"{S}/.wh.pkg-1.0.dist-info", "")])
    l3 = entries_layer([dist(S, "pkg", "2.0")])
    archive = tmp_path / "img.oci.tar"
    write_layout(archive, [l1, l2, l3])
    result = scan_image(archive, name="t", version="1", timestamp=TS)
    assert [(p.name, p.version, p.layer) for p in result.packages] == [("pkg", "2.0", result.image.layers[2].digest)]


def test_file_replaced_by_directory_and_back(tmp_path):
    l1 = entries_layer([("file", "opt/app", "a file"), dist("opt/x", "x")])
    l2 = entries_layer([dist("opt/app", "inside")])  # opt/app becomes a directory
    l3 = entries_layer([("file", "opt/x", "now a file")])  # the directory opt/x is replaced by a file
    got, _ = names(tmp_path, [l1, l2, l3])
    assert got == ["inside"]


def test_traversal_and_absolute_paths_are_skipped_with_a_warning(tmp_path):
    layer = entries_layer([
        ("file", f"../../{S}/evil-1.0.dist-info/METADATA", meta("evil")),
        ("file", f"/{S}/abs-1.0.dist-info/METADATA", meta("abs")),
        ("file", f"{S}/x/../../dotdot-1.0.dist-info/METADATA", meta("dotdot")),
        dist(S, "good"),
    ])
    got, warnings = names(tmp_path, [layer])
    assert got == ["good"]
    assert sum("'..' in path" in w for w in warnings) == 2
    assert sum("absolute path" in w for w in warnings) == 1


def test_escaping_symlinks_are_never_followed(tmp_path):
    l1 = entries_layer([
        ("dir", "var/lib"),
        ("symlink", "var/lib/dpkg", "../../../../../host/var/lib/dpkg"),  # escapes: skipped
        ("symlink", "etc/os-release", "../../../etc/os-release"),  # escapes: skipped
        ("symlink", "opt/site", "/" + S),  # absolute target stays inside the image: kept
    ])
    l2 = entries_layer([
        ("file", "var/lib/dpkg/status", "Package: planted\nStatus: install ok installed\nVersion: 1\n\n"),
        ("file", "opt/site/planted-1.0.dist-info/METADATA", meta("planted")),  # through a symlink
    ])
    fs, warnings = replay(tmp_path, [l1, l2])
    assert any("var/lib/dpkg' -> " in w and "escapes the image root" in w for w in warnings)
    assert any("etc/os-release" in w and "escapes" in w for w in warnings)
    assert any("'opt/site/planted-1.0.dist-info/METADATA'" in w and "symlink" in w for w in warnings)
    assert "var/lib/dpkg/status" in fs.nodes  # the real path, not the host's
    assert fs.nodes["opt/site"].kind == "symlink"
    assert not any(p.startswith("opt/site/") for p in fs.nodes)
    assert fs.resolve("etc/os-release") is None


def test_symlink_resolution_stays_inside_the_root(tmp_path):
    layer = entries_layer([
        ("file", "usr/lib/os-release", 'ID=debian\nVERSION_ID="12"\n'),
        ("symlink", "etc/os-release", "../usr/lib/os-release"),
        ("symlink", "loop/a", "b"), ("symlink", "loop/b", "a"),
        ("symlink", "up", "/.."),
    ])
    fs, warnings = replay(tmp_path, [layer])
    assert fs.read("etc/os-release") == b'ID=debian\nVERSION_ID="12"\n'
    assert fs.resolve("loop/a") is None  # a cycle ends, it does not hang
    assert fs.resolve("up/etc/passwd") is None


def test_hardlinks(tmp_path):
    layer = entries_layer([
        dist(S, "orig"),
        ("hardlink", f"{S}/linked-1.0.dist-info/METADATA", f"{S}/orig-1.0.dist-info/METADATA"),
        ("hardlink", f"{S}/evil-1.0.dist-info/METADATA", "../../etc/shadow"),
        ("hardlink", f"{S}/abs-1.0.dist-info/METADATA", "/etc/shadow"),
    ])
    fs, warnings = replay(tmp_path, [layer])
    assert fs.nodes[f"{S}/linked-1.0.dist-info/METADATA"].data == meta("orig").encode()
    assert f"{S}/evil-1.0.dist-info/METADATA" not in fs.nodes
    assert f"{S}/abs-1.0.dist-info/METADATA" not in fs.nodes
    assert sum("hardlink" in w for w in warnings) == 2


def test_caps_on_bytes_read(tmp_path):
    big = entries_layer([("file", f"{S}/big-1.0.dist-info/METADATA", meta("big") + "x" * (2 << 20))])
    with pytest.raises(ShipitError, match=r"catalogue files exceed the read cap of 1 MiB"):
        replay(tmp_path, [big], max_read_bytes=1 << 20)
    bomb = entries_layer([("file", "zeros", b"\0" * (3 << 20))], gz=True)
    assert len(bomb.data) < 64 * 1024
    with pytest.raises(ShipitError, match=r"layer sha256:[0-9a-f]{64}: image layers exceed the cap of 2 MiB"):
        replay(tmp_path, [bomb], max_layer_bytes=2 << 20)


def test_corrupt_layers_name_the_digest(tmp_path):
    good = entries_layer([dist(S, "a")], gz=True)
    truncated = Blob(data=good.data[: len(good.data) // 2], media_type=good.media_type)
    with pytest.raises(ShipitError, match=r"layer sha256:[0-9a-f]{64}: corrupt or unreadable layer") as exc:
        replay(tmp_path, [truncated])
    digest = truncated.digest_size()[0]
    assert digest in exc.value.message
    not_tar = Blob(data=gzip.compress(b"this is not a tar archive" * 100, mtime=0), media_type=good.media_type)
    with pytest.raises(ShipitError, match=not_tar.digest_size()[0]):
        replay(tmp_path, [not_tar])


def test_digest_mismatch_is_detected(tmp_path):
    layer = entries_layer([dist(S, "a")])
    archive = tmp_path / "img.oci.tar"
    write_layout(archive, [layer])
    # Swap the layer blob's content for another valid tar with the same name (a tampered archive).
    import tarfile

    other = entries_layer([dist(S, "b")]).data
    digest = layer.digest_size()[0]
    tampered = tmp_path / "tampered.oci.tar"
    with tarfile.open(archive) as src, tarfile.open(tampered, "w") as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read()
            if m.name.endswith(digest[7:]):
                data = other + b"\0" * (len(data) - len(other)) if len(other) <= len(data) else other
                m.size = len(data)
            import io

            dst.addfile(m, io.BytesIO(data))
    with pytest.raises(ShipitError, match=rf"layer {digest}: content does not match its digest"):
        scan_image(tampered, name="t", version="1", timestamp=TS)


def test_not_an_oci_layout(tmp_path):
    bad = tmp_path / "x.oci.tar"
    bad.write_bytes(b"not a tar")
    with pytest.raises(ShipitError, match="not a readable OCI image archive"):
        scan_image(bad, name="t", version="1", timestamp=TS)


def test_unknown_layer_media_type(tmp_path):
    layer = entries_layer([dist(S, "a")])
    layer.media_type = "application/vnd.oci.image.layer.v1.tar+zstd"
    archive = tmp_path / "img.oci.tar"
    write_layout(archive, [layer])
    with pytest.raises(ShipitError, match=r"unsupported media type.*zstd"):
        scan_image(archive, name="t", version="1", timestamp=TS)


def test_directory_layout_is_read_too(tmp_path):
    import tarfile

    archive = tmp_path / "img.oci.tar"
    write_layout(archive, [entries_layer([dist(S, "a")])])
    layout_dir = tmp_path / "layout"
    with tarfile.open(archive) as tar:
        tar.extractall(layout_dir, filter="data")
    a = scan_image(archive, name="t", version="1", timestamp=TS)
    b = scan_image(layout_dir, name="t", version="1", timestamp=TS)
    assert a.document == b.document and load(a.document)["components"][0]["name"] == "a"
    assert json.loads(a.document)["serialNumber"].startswith("urn:uuid:")


def test_missing_final_padding_is_tolerated_but_missing_data_is_not(tmp_path):
    body = meta("padless") + "x" * 100  # not a multiple of 512
    full = entries_layer([("file", f"{S}/padless-1.0.dist-info/METADATA", body)]).data
    data_end = 512 * 2 + len(body)  # pax header block + its data, then... find the member's data end instead
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(full)) as tar:
        member = tar.getmembers()[0]
        data_end = member.offset_data + member.size
    no_padding = Blob(data=full[:data_end])  # as umoci 0.4 writes: data complete, padding and end blocks missing
    fs, warnings = replay(tmp_path, [no_padding])
    assert fs.nodes[f"{S}/padless-1.0.dist-info/METADATA"].data == body.encode() and warnings == []
    cut = Blob(data=full[:data_end - 10])
    with pytest.raises(ShipitError, match=rf"layer {cut.digest_size()[0]}: corrupt or unreadable layer"):
        replay(tmp_path, [cut])
