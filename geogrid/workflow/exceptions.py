"""Errors of the workflow core. Each carries the HTTP status it means, so every API (and every page)
turns a refused transition into a clear 4xx, never a 500 (see geogrid.workflow.drf)."""


class WorkflowError(Exception):
    status_code = 400
    code = "workflow_error"

    def __init__(self, message, *, action=None, state=None, fields=None):
        super().__init__(message)
        self.message = str(message)
        self.action = action
        self.state = state
        self.fields = fields or {}

    def as_dict(self):
        body = {"error": self.message, "code": self.code}
        if self.action:
            body["action"] = self.action
        if self.state:
            body["state"] = self.state
        if self.fields:
            body["fields"] = self.fields
        return body


class UnknownAction(WorkflowError):
    """The workflow has no action of that name at all (404: there is no such resource)."""

    status_code = 404
    code = "unknown_action"


class InvalidTransition(WorkflowError):
    """The action is not valid from the current state (or a condition of the record refuses it).
    The loser of two concurrent transitions gets this too: the winner moved the state."""

    status_code = 409
    code = "invalid_transition"


class TransitionForbidden(WorkflowError):
    """The user's roles, scope or relation to the record do not allow the action."""

    status_code = 403
    code = "forbidden"


class MissingFields(WorkflowError):
    """Required fields of the action are missing or invalid (400), field → message."""

    status_code = 400
    code = "invalid_fields"
