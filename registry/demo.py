"""Demo logins, one per role, used by ``seed_demo`` and documented in the README."""

from registry.choices import Role

DEMO_PASSWORD = "demo-2025"

#: username, role, division code, display name
DEMO_USERS = [
    ("city", Role.CITY_OFFICER, "4403", "市民政局 演示"),
    ("district-pingshan", Role.DISTRICT_OFFICER, "440310", "坪山区民政局 演示"),
    ("district-dapeng", Role.DISTRICT_OFFICER, "4403DP", "大鹏新区 演示"),
    ("street-pingshan", Role.STREET_OFFICER, "440310001", "坪山街道 演示"),
    ("street-maluan", Role.STREET_OFFICER, "440310002", "马峦街道 演示"),
    ("community-pingshan", Role.COMMUNITY_STAFF, "440310001003", "坪山社区 演示"),
    ("community-maluan", Role.COMMUNITY_STAFF, "440310002003", "马峦社区 演示"),
]
