"""The seed set of facility types (data only: the data migration and the tests use it). Edit them
in the admin; a type in use cannot be deleted (PROTECT)."""

TYPES = [
    # code, name, icon (a character drawn in the map marker), colour
    ("elderly_centre", "养老服务中心", "养", "#1f78b4"),
    ("day_care", "日间照料中心", "日", "#33a02c"),
    ("meal_point", "助餐点", "餐", "#e31a1c"),
    ("rural_happiness", "农村幸福院", "幸", "#ff7f00"),
    ("nursing_home", "养老机构", "老", "#6a3d9a"),
    ("cemetery", "公益性公墓", "墓", "#636363"),
    ("funeral_home", "殡仪馆", "殡", "#252525"),
    ("marriage_registry", "婚姻登记处", "婚", "#e7298a"),
    ("social_work", "社工站", "社", "#1b9e77"),
    ("child_protection", "未成年人保护工作站", "护", "#a6761d"),
    ("child_welfare", "儿童之家", "童", "#66a61e"),
    ("other", "其他", "其", "#7570b3"),
]


def seed(FacilityType):
    """Create the types that are missing (existing rows, maybe edited, are left alone)."""
    for order, (code, name, icon, color) in enumerate(TYPES, start=1):
        FacilityType.objects.get_or_create(code=code, defaults={"name": name, "icon": icon, "color": color, "order": order * 10})
