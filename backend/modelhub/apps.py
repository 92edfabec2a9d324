from django.apps import AppConfig


class ModelhubConfig(AppConfig):
    name = "modelhub"

    def ready(self) -> None:
        from studies.hooks import register_after_ingest, register_after_level_change

        from .services.inference import inference_after_ingest, inference_after_level_change

        register_after_ingest(inference_after_ingest)
        register_after_level_change(inference_after_level_change)
