"""The roles of geogrid. Each role is a Django group with the same code as its name; the Chinese
label is what people see."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    GRID_MEMBER = "grid_member", _("网格员")
    GRID_HEAD = "grid_head", _("网格长")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    STREET_DISPATCHER = "street_dispatcher", _("街道调度员")
    DISTRICT_ADMIN = "district_admin", _("区级管理员")
    PLACENAME_STAFF = "placename_staff", _("地名科工作人员")
    BOUNDARY_INSPECTOR = "boundary_inspector", _("界线联检人员")
    DEPARTMENT_STAFF = "department_staff", _("部门工作人员")


GRID_ROLES = (Role.GRID_MEMBER, Role.GRID_HEAD)
STAFF_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_DISPATCHER, Role.DISTRICT_ADMIN)
# Users of a district functional department (User.department): they handle the cases passed to it.
DEPARTMENT_ROLES = (Role.DEPARTMENT_STAFF,)
HANDLER_ROLES = GRID_ROLES + STAFF_ROLES + DEPARTMENT_ROLES  # may report, be dispatched to, accept and report back
# Care visits (personal data, PIPL): who may open a care subject's full record (?reveal=1, audited)
# and who may export the personal data of their scope (audited); everyone else sees masked numbers.
CARE_REVEAL_ROLES = GRID_ROLES + (Role.COMMUNITY_STAFF,)
CARE_EXPORT_ROLES = (Role.COMMUNITY_STAFF,)

# Which model permissions each role's group gets (app_label.codename prefixes or full codenames).
# View permissions everywhere for staff roles; change rights where the role does the work.
ROLE_PERMISSIONS = {
    Role.GRID_MEMBER: ["grids.view_grid", "grids.view_adminarea", "grids.view_gridmember"],
    Role.GRID_HEAD: ["grids.view_grid", "grids.view_adminarea", "grids.view_gridmember"],
    # accounts.view_user: to pick the person when adding a team member (the user admin is scoped).
    Role.COMMUNITY_STAFF: ["grids.view_*", "grids.change_gridmember", "grids.add_gridmember", "incidents.view_*", "patrols.view_*",
                           "accounts.view_user", "care.view_*", "care.add_*", "care.change_*"],
    Role.STREET_DISPATCHER: ["grids.view_*", "grids.change_gridmember", "grids.add_gridmember", "incidents.view_*", "patrols.view_*",
                             "accounts.view_user", "care.view_*"],
    Role.DISTRICT_ADMIN: ["grids.*", "incidents.*", "patrols.*", "placenames.view_*", "boundaries.view_*", "facilities.*",
                          "accounts.view_user", "accounts.*_department", "workflow.*", "care.*_carecategory"],
    Role.PLACENAME_STAFF: ["placenames.*", "grids.view_adminarea"],
    Role.BOUNDARY_INSPECTOR: ["boundaries.*", "grids.view_adminarea"],
    # The cases passed to their department (the incident admin is scoped like the pages).
    Role.DEPARTMENT_STAFF: ["incidents.view_*", "grids.view_adminarea", "accounts.view_department"],
}
