"""Body-composition measurements with their QA: the clinician's results and report (after modelhub, before cohorts)."""
