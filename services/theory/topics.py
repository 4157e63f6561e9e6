"""The 14 topics of the UK car theory test (SPEC §4), as the bank file names them.

The codes are fixed by the import/export format; names, descriptions and order may be
changed by importing a file into the shared bank.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    code: str
    name: str
    order: int


TOPICS: tuple[Topic, ...] = tuple(
    Topic(code, name, order)
    for order, (code, name) in enumerate(
        (
            ("alertness", "Alertness"),
            ("attitude", "Attitude"),
            ("safety_and_your_vehicle", "Safety and your vehicle"),
            ("safety_margins", "Safety margins"),
            ("hazard_awareness", "Hazard awareness"),
            ("vulnerable_road_users", "Vulnerable road users"),
            ("other_types_of_vehicle", "Other types of vehicle"),
            ("road_conditions_and_vehicle_handling", "Road conditions and vehicle handling"),
            ("motorway_driving", "Motorway driving"),
            ("rules_of_the_road", "Rules of the road"),
            ("road_and_traffic_signs", "Road and traffic signs"),
            ("essential_documents", "Essential documents"),
            ("incidents_accidents_and_emergencies", "Incidents, accidents and emergencies"),
            ("vehicle_loading", "Vehicle loading"),
        ),
        start=1,
    )
)
TOPIC_CODES: tuple[str, ...] = tuple(topic.code for topic in TOPICS)
