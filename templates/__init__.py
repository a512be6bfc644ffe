"""The built-in Word templates (``{kind}.{language}.docx``), rebuilt by ``python -m templates.build``."""
from pathlib import Path

TEMPLATES_DIR: Path = Path(__file__).resolve().parent
