from django.apps import AppConfig


class ModelhubConfig(AppConfig):
    name = "modelhub"

    def ready(self) -> None:
        from annotations.hooks import register_after_accept
        from studies.hooks import register_after_ingest, register_after_subject_update

        from .services.inference import inference_after_ingest
        from .services.measurements import measurement_after_accept, measurements_after_subject_update

        register_after_ingest(inference_after_ingest)
        register_after_subject_update(measurements_after_subject_update)
        register_after_accept(measurement_after_accept)
