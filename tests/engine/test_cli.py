import json

from segmentation.cli import main


def test_phantom_train_and_predict_from_the_command_line(tmp_path, capsys):
    cohort, model = tmp_path / "cohort", tmp_path / "model.pt"
    assert main(["phantom", "--out", str(cohort), "--subjects", "2", "--devices", "A", "--matrix", "64"]) == 0
    assert json.loads(capsys.readouterr().out)["images"] == 2
    train_args = ["train", "--data", str(cohort), "--out", str(model), "--epochs", "1", "--steps", "1"]
    assert main([*train_args, "--size", "64", "--spacing", "6", "--net-kwargs", '{"width": 4}']) == 0
    assert json.loads(capsys.readouterr().out)["epochs_run"] == 1
    assert main(["predict", "--checkpoint", str(model), str(cohort / "A")]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2 and {"sma_cm2", "uncertainty", "flags"} <= set(rows[0])


def test_it_reports_a_missing_checkpoint_as_an_error(tmp_path, capsys):
    assert main(["predict", "--checkpoint", str(tmp_path / "missing.pt"), str(tmp_path)]) == 2
    assert "missing.pt" in capsys.readouterr().err
