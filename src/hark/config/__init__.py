"""Settings: one TOML file plus environment variables, frozen and validated at load.

- :mod:`.settings`: :class:`Settings`, one frozen section per concern, in
  :mod:`.voice` (wake, turn, stt, tts, audio), :mod:`.brain` (brain, classic, llm, chat)
  and :mod:`.services` (storage, weather, home_assistant, mqtt); range checks in :mod:`.validation`.
- :mod:`.loading`: where the file comes from, ``HARK_*`` overrides, :func:`load_settings`;
  :mod:`.coerce` checks and converts each value to its field's type.
- :mod:`.checks` and :mod:`.model_files`: what the settings name must exist on this machine.

Everything is importable from ``hark.config`` itself.
"""

from __future__ import annotations

from .brain import BrainSettings, ChatSettings, ClassicSettings, LlmSettings
from .checks import (
    HARK_SENTENCES_DIR,
    SETTING_CHECKS,
    _hide_password,
    check_classic_language,
    check_database_url,
    check_mqtt_devices_file,
    check_sentences_dir,
    check_settings,
    check_storage_url,
    classic_languages,
)
from .loading import default_config_path, find_config, load_settings
from .model_files import (
    GGUF_MAGIC,
    WHISPER_FOLDER_FILES,
    check_llm_model,
    check_smart_turn_file,
    check_stt_model,
    check_wake_files,
    gguf_problem,
    uses_embedded_model,
    whisper_folder_problem,
)
from .services import HomeAssistantSettings, MqttSettings, StorageSettings, WeatherSettings
from .settings import Settings
from .voice import WAKE_WORDS, AudioSettings, SttSettings, TtsSettings, TurnSettings, WakeSettings

__all__ = [
    "GGUF_MAGIC",
    "HARK_SENTENCES_DIR",
    "SETTING_CHECKS",
    "WAKE_WORDS",
    "WHISPER_FOLDER_FILES",
    "AudioSettings",
    "BrainSettings",
    "ChatSettings",
    "ClassicSettings",
    "HomeAssistantSettings",
    "LlmSettings",
    "MqttSettings",
    "Settings",
    "StorageSettings",
    "SttSettings",
    "TtsSettings",
    "TurnSettings",
    "WakeSettings",
    "WeatherSettings",
    "_hide_password",
    "check_classic_language",
    "check_database_url",
    "check_llm_model",
    "check_mqtt_devices_file",
    "check_sentences_dir",
    "check_settings",
    "check_smart_turn_file",
    "check_storage_url",
    "check_stt_model",
    "check_wake_files",
    "classic_languages",
    "default_config_path",
    "find_config",
    "gguf_problem",
    "load_settings",
    "uses_embedded_model",
    "whisper_folder_problem",
]
