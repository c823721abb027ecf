"""Rules over what the script read: Wazuh's semantics, pure.

(Skeleton: the evaluator lands with issue 16's evaluation part.)"""

from __future__ import annotations
