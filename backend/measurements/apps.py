from django.apps import AppConfig


class MeasurementsConfig(AppConfig):
    name = "measurements"

    def ready(self) -> None:
        from annotations.hooks import register_after_accept
        from modelhub.hooks import register_after_evaluate, register_after_predict
        from studies.hooks import register_after_subject_update

        from .qa import measurements_after_evaluate
        from .services import measurement_after_accept, measurement_after_predict, measurements_after_subject_update

        register_after_predict(measurement_after_predict)
        register_after_evaluate(measurements_after_evaluate)
        register_after_accept(measurement_after_accept)
        register_after_subject_update(measurements_after_subject_update)
