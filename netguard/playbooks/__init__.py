"""Emergency-response playbooks and contacts: data that says what to do, by whom, by when.

Format: docs/playbooks.md. The packaged examples live in netguard/policies/playbooks/ and
netguard/policies/contacts/example.yaml; the checklist builder (netguard.checklist) applies them to
results.
"""

from netguard.playbooks.loader import (
    DEFAULT_TIMEZONE,
    check_step_order,
    default_contacts_path,
    default_playbooks_dir,
    known_checks,
    load_contacts,
    load_playbook,
    load_playbooks,
    parse_offset,
)
from netguard.playbooks.model import (
    CATEGORIES,
    HOST_OWNER,
    ORGANISATION_LEVELS,
    Condition,
    Contacts,
    Escalation,
    Grade,
    Offset,
    OrganisationLevel,
    Phase,
    Playbook,
    Role,
    Stage,
    Step,
    Text,
    Trigger,
)

__all__ = [
    "CATEGORIES",
    "DEFAULT_TIMEZONE",
    "HOST_OWNER",
    "ORGANISATION_LEVELS",
    "Condition",
    "Contacts",
    "Escalation",
    "Grade",
    "Offset",
    "OrganisationLevel",
    "Phase",
    "Playbook",
    "Role",
    "Stage",
    "Step",
    "Text",
    "Trigger",
    "check_step_order",
    "default_contacts_path",
    "default_playbooks_dir",
    "known_checks",
    "load_contacts",
    "load_playbook",
    "load_playbooks",
    "parse_offset",
]
