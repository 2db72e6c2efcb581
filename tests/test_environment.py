from musiclib.environment import check_environment


def test_this_installation_is_ready():
    report = check_environment(tensorflow=False)
    assert report.ok, str(report)
    assert str(report).startswith("Everything is ready.")


def test_missing_datasets_are_reported_with_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("MUSICLIB_DATA", str(tmp_path))
    report = check_environment(tensorflow=False)
    assert not report.ok
    finding = next(f for f in report.findings if f.item == "datasets")
    assert not finding.ok and "make data" in finding.fix
    assert "[FIX]  datasets" in str(report)


def test_bad_profile_is_reported(monkeypatch):
    monkeypatch.setenv("MUSICLIB_PROFILE", "turbo")
    finding = next(f for f in check_environment(tensorflow=False).findings if f.item == "profile")
    assert not finding.ok and "'turbo'" in finding.detail
